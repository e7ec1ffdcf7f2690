#include "runtime/images/image_reference.h"

#include "runtime/images/digest.h"

#include <vector>

namespace cube::runtime::images {
namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr size_t kMaxNameLength = 255;

[[noreturn]] void invalid(std::string_view ref, const std::string& why) {
  throw InvalidReference("invalid image reference \"" + std::string(ref) + "\": " + why);
}

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isAlnum(char c) {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

// A path component: lowercase alphanumerics separated by one '.', one or two '_', or any
// number of '-' (the distribution spec's grammar).
bool validPathComponent(std::string_view c) {
  if (c.empty() || !isLowerAlnum(c.front()) || !isLowerAlnum(c.back())) return false;
  for (size_t i = 0; i < c.size();) {
    if (isLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < c.size() && !isLowerAlnum(c[j])) ++j;
    std::string_view sep = c.substr(i, j - i);
    bool ok = sep == "." || sep == "_" || sep == "__" ||
              sep.find_first_not_of('-') == std::string_view::npos;
    if (!ok) return false;
    i = j;
  }
  return true;
}

// host[:port]; host is dot-separated labels of alphanumerics and inner '-'.
bool validDomain(std::string_view d) {
  std::string_view host = d;
  if (auto colon = d.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
      return false;
    }
    host = d.substr(0, colon);
  }
  if (host.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == host.npos ? host.npos : dot - start);
    if (label.empty() || !isAlnum(label.front()) || !isAlnum(label.back())) return false;
    for (char c : label) {
      if (!isAlnum(c) && c != '-') return false;
    }
    if (dot == host.npos) break;
    start = dot + 1;
  }
  return true;
}

bool validTag(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  if (!(isAlnum(t[0]) || t[0] == '_')) return false;
  for (char c : t) {
    if (!(isAlnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::string ImageReference::string() const {
  std::string out = repository();
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

ImageReference parseReference(std::string_view ref) {
  if (ref.empty()) invalid(ref, "empty");
  if (isSha256Hex(ref)) {
    invalid(ref, "a 64-character hexadecimal string is an image ID, not a reference");
  }
  ImageReference out;
  std::string_view rest = ref;
  if (auto at = rest.find('@'); at != rest.npos) {
    std::string_view digest = rest.substr(at + 1);
    if (!isValidDigest(digest)) {
      invalid(ref, "digest \"" + std::string(digest) + "\" is not sha256:<64 lowercase hex>");
    }
    out.digest = digest;
    rest = rest.substr(0, at);
  }
  // A tag is the part after the last ':' that follows the last '/' (a ':' before it is a port).
  size_t lastSlash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != rest.npos && (lastSlash == rest.npos || colon > lastSlash)) {
    std::string_view tag = rest.substr(colon + 1);
    if (!validTag(tag)) {
      invalid(ref, "tag \"" + std::string(tag) +
                       "\" must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'");
    }
    out.tag = tag;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) invalid(ref, "no repository name");

  std::string_view pathPart = rest;
  size_t slash = rest.find('/');
  if (slash != rest.npos) {
    std::string_view first = rest.substr(0, slash);
    if (first.find_first_of(".:") != first.npos || first == "localhost") {
      if (!validDomain(first)) invalid(ref, "registry host \"" + std::string(first) + "\"");
      out.domain = first;
      pathPart = rest.substr(slash + 1);
    }
  }
  if (out.domain.empty() || out.domain == "index.docker.io") out.domain = kDefaultDomain;
  if (pathPart.empty()) invalid(ref, "no repository name");

  size_t start = 0;
  int components = 0;
  while (true) {
    size_t next = pathPart.find('/', start);
    std::string_view comp =
        pathPart.substr(start, next == pathPart.npos ? pathPart.npos : next - start);
    if (!validPathComponent(comp)) {
      bool upper = false;
      for (char c : comp) upper |= (c >= 'A' && c <= 'Z');
      invalid(ref, upper ? "repository name must be lowercase"
                         : "repository name component \"" + std::string(comp) +
                               "\" must be lowercase letters and digits separated by '.', "
                               "'_', '__' or '-'");
    }
    ++components;
    if (next == pathPart.npos) break;
    start = next + 1;
  }
  out.path = pathPart;
  // Docker Hub's official images live under "library/".
  if (out.domain == kDefaultDomain && components == 1) out.path = "library/" + out.path;
  if (out.repository().size() > kMaxNameLength) {
    invalid(ref, "repository name longer than 255 characters");
  }
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

std::string normalizeReference(std::string_view ref) {
  return parseReference(ref).string();
}

}  // namespace cube::runtime::images

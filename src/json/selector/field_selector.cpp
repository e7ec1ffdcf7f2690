#include "json/selector/field_selector.h"

#include <algorithm>

#include "api/validation/validation.h"
#include "common/api_error.h"

namespace cube::json {

namespace {

// Splits on commas not preceded by a backslash escape.
std::vector<std::string> splitTerms(std::string_view s) {
  std::vector<std::string> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool inSlash = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (inSlash) {
      inSlash = false;
    } else if (s[i] == '\\') {
      inSlash = true;
    } else if (s[i] == ',') {
      terms.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(s.substr(start));
  return terms;
}

// The first operator occurrence, trying "!=", "==", "=" at each position.
bool splitTerm(const std::string& term, std::string& lhs, std::string& op, std::string& rhs) {
  for (size_t i = 0; i < term.size(); ++i) {
    for (std::string_view candidate : {"!=", "==", "="}) {
      if (std::string_view(term).substr(i).starts_with(candidate)) {
        lhs = term.substr(0, i);
        op = candidate;
        rhs = term.substr(i + candidate.size());
        return true;
      }
    }
  }
  return false;
}

std::string unescapeValue(const std::string& s) {
  if (s.find_first_of("\\,=") == std::string::npos) return s;
  std::string out;
  bool inSlash = false;
  for (char c : s) {
    if (inSlash) {
      if (c != '\\' && c != ',' && c != '=') {
        throw ApiError::badRequest(
            std::string("invalid field selector: invalid escape sequence: \\") + c);
      }
      out += c;
      inSlash = false;
      continue;
    }
    if (c == '\\') {
      inSlash = true;
    } else if (c == ',' || c == '=') {
      // Go prints the rune with %v, i.e. as its number.
      throw ApiError::badRequest("invalid field selector: unescaped character in value: " +
                                 std::to_string(static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (inSlash) throw ApiError::badRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

std::string escapeFieldValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

FieldSelector FieldSelector::parse(std::string_view text) {
  FieldSelector sel;
  std::vector<std::string> parts = splitTerms(text);
  std::sort(parts.begin(), parts.end());
  for (const auto& part : parts) {
    if (part.empty()) continue;
    std::string lhs, op, rhs;
    if (!splitTerm(part, lhs, op, rhs)) {
      throw ApiError::badRequest("invalid selector: '" + std::string(text) +
                                 "'; can't understand '" + part + "'");
    }
    sel.requirements_.push_back(FieldRequirement{lhs, op != "!=", unescapeValue(rhs)});
  }
  return sel;
}

bool FieldSelector::matches(const std::map<std::string, std::string>& fields) const {
  for (const auto& r : requirements_) {
    auto it = fields.find(r.field);
    const std::string& have = it == fields.end() ? std::string() : it->second;
    if ((have == r.value) != r.equal) return false;
  }
  return true;
}

void FieldSelector::requireKnownFields(const std::vector<std::string>& allowed) const {
  bool defaultOnly =
      allowed.size() == 2 &&
      std::find(allowed.begin(), allowed.end(), "metadata.name") != allowed.end() &&
      std::find(allowed.begin(), allowed.end(), "metadata.namespace") != allowed.end();
  for (const auto& r : requirements_) {
    if (std::find(allowed.begin(), allowed.end(), r.field) != allowed.end()) continue;
    if (defaultOnly) {
      throw ApiError::badRequest(api::validation::goQuote(r.field) +
                                 " is not a known field selector: only \"metadata.name\", "
                                 "\"metadata.namespace\"");
    }
    throw ApiError::badRequest("field label not supported: " + r.field);
  }
}

const std::string* FieldSelector::requiredValue(std::string_view field) const {
  for (const auto& r : requirements_) {
    if (r.equal && r.field == field) return &r.value;
  }
  return nullptr;
}

std::string FieldSelector::toString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ',';
    out += r.field + (r.equal ? "=" : "!=") + escapeFieldValue(r.value);
  }
  return out;
}

}  // namespace cube::json

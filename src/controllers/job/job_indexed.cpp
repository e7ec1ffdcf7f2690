#include "controllers/job/job_indexed.h"

#include "common/json_util.h"

#include <charconv>

namespace cube::controllers::job {

namespace bj = boost::json;

namespace {

std::optional<int64_t> parseIndex(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int64_t> podCompletionIndex(const bj::object& pod) {
  const auto* meta = json::getObject(pod, "metadata");
  if (!meta) return std::nullopt;
  for (const char* field : {"annotations", "labels"}) {
    if (const auto* m = json::getObject(*meta, field)) {
      if (auto i = parseIndex(json::getString(*m, kCompletionIndexKey))) return i;
    }
  }
  return std::nullopt;
}

std::string formatIndexes(const std::set<int64_t>& indexes) {
  std::string out;
  for (auto it = indexes.begin(); it != indexes.end();) {
    int64_t first = *it, last = *it;
    for (++it; it != indexes.end() && *it == last + 1; ++it) last = *it;
    if (!out.empty()) out += ",";
    out += std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

std::set<int64_t> parseIndexes(const std::string& text, int64_t completions) {
  std::set<int64_t> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string_view piece(text.data() + start,
                           (comma == std::string::npos ? text.size() : comma) - start);
    size_t dash = piece.find('-');
    auto lo = parseIndex(piece.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : parseIndex(piece.substr(dash + 1));
    if (lo && hi) {
      for (int64_t i = *lo; i <= *hi && i < completions; ++i) out.insert(i);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<int64_t> missingIndexes(const std::set<int64_t>& succeeded,
                                    const std::set<int64_t>& active, int64_t completions,
                                    int64_t count) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < completions && static_cast<int64_t>(out.size()) < count; ++i) {
    if (!succeeded.count(i) && !active.count(i)) out.push_back(i);
  }
  return out;
}

bj::object indexedTemplate(const bj::object& podTemplate, const std::string& jobName,
                           int64_t index) {
  bj::object tmpl = podTemplate;
  const std::string value = std::to_string(index);
  auto& meta = json::ensureObject(tmpl, "metadata");
  json::ensureObject(meta, "annotations")[kCompletionIndexKey] = value;
  json::ensureObject(meta, "labels")[kCompletionIndexKey] = value;
  auto& spec = json::ensureObject(tmpl, "spec");
  if (json::getString(spec, "hostname").empty()) spec["hostname"] = jobName + "-" + value;
  for (const char* list : {"containers", "initContainers"}) {
    auto* containers = spec.if_contains(list);
    if (!containers || !containers->is_array()) continue;
    for (auto& c : containers->as_array()) {
      if (!c.is_object()) continue;
      auto& env = c.as_object()["env"];
      if (!env.is_array()) env = bj::array{};
      env.as_array().push_back(bj::object{{"name", "JOB_COMPLETION_INDEX"}, {"value", value}});
    }
  }
  return tmpl;
}

}  // namespace cube::controllers::job

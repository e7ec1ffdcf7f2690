#include "scheduler/node_affinity.h"

#include "common/json_util.h"

#include <algorithm>
#include <charconv>

namespace cube::scheduler {

namespace bj = boost::json;

namespace {

std::optional<int64_t> parseInt(const std::string& s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

NodeRequirement parseRequirement(const bj::object& o) {
  NodeRequirement r;
  r.key = json::getString(o, "key");
  std::string op = json::getString(o, "operator");
  if (const bj::array* values = json::getArray(o, "values")) {
    for (const bj::value& v : *values) {
      if (v.is_string()) r.values.emplace_back(v.get_string());
    }
  }
  using Op = NodeRequirement::Op;
  if (op == "In")
    r.op = Op::In;
  else if (op == "NotIn")
    r.op = Op::NotIn;
  else if (op == "Exists")
    r.op = Op::Exists;
  else if (op == "DoesNotExist")
    r.op = Op::DoesNotExist;
  else if (op == "Gt" || op == "Lt") {
    // Gt/Lt take exactly one integer; anything else can never match (validation refuses it).
    auto n = r.values.size() == 1 ? parseInt(r.values[0]) : std::nullopt;
    r.op = n ? (op == "Gt" ? Op::Gt : Op::Lt) : Op::Invalid;
    r.number = n.value_or(0);
  }
  return r;
}

std::vector<NodeRequirement> parseRequirements(const bj::array* list) {
  std::vector<NodeRequirement> out;
  if (!list) return out;
  for (const bj::value& v : *list) {
    if (v.is_object()) out.push_back(parseRequirement(v.get_object()));
  }
  return out;
}

}  // namespace

bool NodeRequirement::matches(const std::string* value) const {
  switch (op) {
    case Op::In:
      return value && std::find(values.begin(), values.end(), *value) != values.end();
    case Op::NotIn:
      return !value || std::find(values.begin(), values.end(), *value) == values.end();
    case Op::Exists:
      return value != nullptr;
    case Op::DoesNotExist:
      return value == nullptr;
    case Op::Gt:
    case Op::Lt: {
      if (!value) return false;
      auto n = parseInt(*value);
      if (!n) return false;
      return op == Op::Gt ? *n > number : *n < number;
    }
    case Op::Invalid:
      return false;
  }
  return false;
}

bool NodeSelectorTerm::matches(const Labels& labels, const std::string& nodeName) const {
  if (expressions.empty() && fields.empty()) return false;
  for (const NodeRequirement& r : expressions) {
    auto it = labels.find(r.key);
    if (!r.matches(it == labels.end() ? nullptr : &it->second)) return false;
  }
  for (const NodeRequirement& r : fields) {
    if (r.key != "metadata.name") return false;
    if (!r.matches(&nodeName)) return false;
  }
  return true;
}

bool NodeSelector::matches(const Labels& labels, const std::string& nodeName) const {
  for (const NodeSelectorTerm& t : terms) {
    if (t.matches(labels, nodeName)) return true;
  }
  return false;
}

bool NodeAffinity::matches(const Labels& labels, const std::string& nodeName) const {
  for (const auto& [k, v] : nodeSelector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return !required || required->matches(labels, nodeName);
}

int64_t NodeAffinity::preferredWeight(const Labels& labels, const std::string& nodeName) const {
  int64_t sum = 0;
  for (const PreferredNodeTerm& p : preferred) {
    if (p.term.matches(labels, nodeName)) sum += p.weight;
  }
  return sum;
}

NodeSelectorTerm parseNodeSelectorTerm(const bj::object& term) {
  return {parseRequirements(json::getArray(term, "matchExpressions")),
          parseRequirements(json::getArray(term, "matchFields"))};
}

NodeAffinity parseNodeAffinity(const bj::object& podSpec) {
  NodeAffinity a;
  if (const bj::object* sel = json::getObject(podSpec, "nodeSelector")) {
    for (const auto& [k, v] : *sel) {
      if (v.is_string()) a.nodeSelector.emplace(std::string(k), std::string(v.get_string()));
    }
  }
  const bj::object* affinity = json::getObject(podSpec, "affinity");
  const bj::object* na = affinity ? json::getObject(*affinity, "nodeAffinity") : nullptr;
  if (!na) return a;
  if (const bj::object* req =
          json::getObject(*na, "requiredDuringSchedulingIgnoredDuringExecution")) {
    NodeSelector s;
    if (const bj::array* terms = json::getArray(*req, "nodeSelectorTerms")) {
      for (const bj::value& t : *terms) {
        if (t.is_object()) s.terms.push_back(parseNodeSelectorTerm(t.get_object()));
      }
    }
    a.required = std::move(s);
  }
  if (const bj::array* prefs =
          json::getArray(*na, "preferredDuringSchedulingIgnoredDuringExecution")) {
    for (const bj::value& p : *prefs) {
      if (!p.is_object()) continue;
      const bj::object* pref = json::getObject(p.get_object(), "preference");
      if (!pref) continue;
      a.preferred.push_back({json::getInt(p.get_object(), "weight"), parseNodeSelectorTerm(*pref)});
    }
  }
  return a;
}

}  // namespace cube::scheduler

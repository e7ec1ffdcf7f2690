#include "controllers/deployment/deployment_util.h"

#include "common/json_util.h"
#include "controllers/controller_ref.h"
#include "controllers/pod_util.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>

namespace cube::controllers::deployment {

namespace bj = boost::json;

namespace {

// FNV-1a, 32 bits: small, stable across builds and platforms (std::hash is neither).
struct Fnv32a {
  uint32_t h = 2166136261u;
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 16777619u;
    }
  }
};

void hashValue(Fnv32a& f, const bj::value& v) {
  if (v.is_object()) {
    const auto& o = v.get_object();
    std::vector<std::string_view> keys;
    for (const auto& kv : o) keys.push_back(kv.key());
    std::sort(keys.begin(), keys.end());
    f.add("{");
    for (auto k : keys) {
      f.add(k);
      f.add(":");
      hashValue(f, o.at(k));
      f.add(",");
    }
    f.add("}");
  } else if (v.is_array()) {
    f.add("[");
    for (const auto& e : v.get_array()) {
      hashValue(f, e);
      f.add(",");
    }
    f.add("]");
  } else {
    f.add(bj::serialize(v));
  }
}

// Label values must not look like words or numbers: encode with consonants and digits only
// (Kubernetes uses the same alphabet, so hashes look familiar).
std::string safeEncode(const std::string& s) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (unsigned char c : s) out.push_back(kAlphabet[c % kAlphabet.size()]);
  return out;
}

// Drops null members: in Kubernetes' typed API `"creationTimestamp": null` (which kubectl sends
// in a template it copied back from a ReplicaSet on `rollout undo`) means the same as absent.
void dropNulls(bj::value& v) {
  if (v.is_object()) {
    auto& o = v.get_object();
    for (auto it = o.begin(); it != o.end();) {
      if (it->value().is_null()) {
        it = o.erase(it);
      } else {
        dropNulls(it->value());
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& e : v.get_array()) dropNulls(e);
  }
}

bj::object withoutHash(const bj::object& podTemplate) {
  bj::value wrapped = podTemplate;
  dropNulls(wrapped);
  bj::object copy = std::move(wrapped.get_object());
  if (auto* meta = json::getObject(copy, "metadata")) {
    if (auto* labels = json::getObject(*meta, "labels")) labels->erase(kPodTemplateHashLabel);
  }
  return copy;
}

}  // namespace

std::string computeTemplateHash(const bj::object& podTemplate, int64_t collisionCount) {
  Fnv32a f;
  hashValue(f, withoutHash(podTemplate));
  if (collisionCount > 0) f.add("#" + std::to_string(collisionCount));
  return safeEncode(std::to_string(f.h));
}

bool equalIgnoreHash(const bj::object& a, const bj::object& b) {
  return withoutHash(a) == withoutHash(b);
}

std::string annotationOf(const bj::object& obj, const std::string& key) {
  const auto* meta = json::getObject(obj, "metadata");
  const auto* ann = meta ? json::getObject(*meta, "annotations") : nullptr;
  return ann ? json::getString(*ann, key) : "";
}

int64_t revisionOf(const bj::object& obj) {
  std::string s = annotationOf(obj, kRevisionAnnotation);
  if (s.empty()) return 0;
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return 0;
  }
}

int64_t specReplicas(const bj::object& obj) {
  const auto* spec = json::getObject(obj, "spec");
  return spec ? json::getInt(*spec, "replicas", 1) : 1;
}

int64_t statusInt(const bj::object& obj, const std::string& field) {
  const auto* status = json::getObject(obj, "status");
  return status ? json::getInt(*status, field, 0) : 0;
}

bool isRecreate(const bj::object& d) {
  const auto* v = json::findPath(d, "spec.strategy.type");
  return v && v->is_string() && v->get_string() == "Recreate";
}

bool isPaused(const bj::object& d) {
  const auto* spec = json::getObject(d, "spec");
  return spec && json::getBool(*spec, "paused");
}

int64_t resolveIntOrPercent(const bj::value* v, int64_t total, bool roundUp) {
  if (!v || v->is_null()) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_string()) {
    std::string s(v->get_string());
    if (!s.empty() && s.back() == '%') {
      int64_t pct = 0;
      try {
        pct = std::stoll(s.substr(0, s.size() - 1));
      } catch (const std::exception&) {
        return 0;
      }
      // Integer arithmetic: no float rounding surprises at exact multiples.
      int64_t scaled = pct * total;
      return roundUp ? (scaled + 99) / 100 : scaled / 100;
    }
    try {
      return std::stoll(s);
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

std::pair<int64_t, int64_t> resolveFenceposts(const bj::object& d) {
  if (isRecreate(d)) return {0, 0};
  int64_t replicas = specReplicas(d);
  const auto* ru = json::findPath(d, "spec.strategy.rollingUpdate");
  static const bj::value kDefault("25%");
  const bj::value* surgeV = &kDefault;
  const bj::value* unavailV = &kDefault;
  if (ru && ru->is_object()) {
    if (const auto* s = ru->get_object().if_contains("maxSurge")) surgeV = s;
    if (const auto* u = ru->get_object().if_contains("maxUnavailable")) unavailV = u;
  }
  int64_t surge = resolveIntOrPercent(surgeV, replicas, true);
  int64_t unavailable = resolveIntOrPercent(unavailV, replicas, false);
  // With nothing allowed either way the rollout could never move.
  if (surge == 0 && unavailable == 0) unavailable = 1;
  return {surge, unavailable};
}

int64_t maxSurge(const bj::object& d) {
  return resolveFenceposts(d).first;
}

int64_t maxUnavailable(const bj::object& d) {
  int64_t u = resolveFenceposts(d).second;
  int64_t replicas = specReplicas(d);
  if (isRecreate(d) || replicas == 0) return 0;
  return std::min(u, replicas);
}

int64_t sumSpecReplicas(const std::vector<ObjectPtr>& rss) {
  int64_t n = 0;
  for (const auto& rs : rss) n += specReplicas(*rs);
  return n;
}

int64_t sumStatus(const std::vector<ObjectPtr>& rss, const std::string& field) {
  int64_t n = 0;
  for (const auto& rs : rss) n += statusInt(*rs, field);
  return n;
}

void sortByCreation(std::vector<ObjectPtr>& rss) {
  std::stable_sort(rss.begin(), rss.end(), [](const ObjectPtr& a, const ObjectPtr& b) {
    auto ta = creationTime(*a), tb = creationTime(*b);
    if (ta && tb && *ta != *tb) return *ta < *tb;
    return nameOf(*a) < nameOf(*b);
  });
}

bool isCopiableAnnotation(const std::string& key) {
  return key != kRevisionAnnotation && key != kRevisionHistoryAnnotation &&
         key != kDesiredReplicasAnnotation && key != kMaxReplicasAnnotation &&
         key != kLastAppliedAnnotation;
}

}  // namespace cube::controllers::deployment

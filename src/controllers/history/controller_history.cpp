#include "controllers/history/controller_history.h"

#include "common/api_error.h"
#include "common/json_util.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <unordered_set>

namespace cube::controllers::history {

namespace bj = boost::json;

const client::Resource kControllerRevisions{"apps", "v1", "controllerrevisions", true};

std::string templateHash(const bj::object& podTemplate) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bj::serialize(podTemplate)) {
    h ^= c;
    h *= 16777619u;
  }
  // Each decimal digit becomes a consonant or a digit that is not easily confused.
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (char d : std::to_string(h)) out.push_back(kAlphabet[(d - '0') * 2 % 27]);
  return out;
}

bj::object revisionData(const bj::object& podTemplate) {
  bj::object tmpl = podTemplate;
  tmpl["$patch"] = "replace";
  return bj::object{{"spec", bj::object{{"template", std::move(tmpl)}}}};
}

const bj::object* templateOf(const bj::object& revision) {
  const auto* data = json::getObject(revision, "data");
  const auto* spec = data ? json::getObject(*data, "spec") : nullptr;
  return spec ? json::getObject(*spec, "template") : nullptr;
}

int64_t revisionNumber(const bj::object& revision) {
  return json::getInt(revision, "revision");
}

std::vector<client::ObjectPtr> ownedRevisions(const ObjectCache& cache, const bj::object& owner) {
  std::vector<client::ObjectPtr> out;
  std::string uid = uidOf(owner);
  for (const auto& rev : cache.listNamespace(namespaceOf(owner))) {
    auto ref = controllerOf(*rev);
    if (ref && ref->uid == uid) out.push_back(rev);
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return revisionNumber(*a) < revisionNumber(*b); });
  return out;
}

bj::object ensureCurrentRevision(client::ApiClient& client,
                                 const std::vector<client::ObjectPtr>& revisions,
                                 const bj::object& owner, const OwnerReference& controllerRef,
                                 const bj::object& podTemplate) {
  std::string hash = templateHash(podTemplate);
  std::string name = nameOf(owner) + "-" + hash;
  std::string ns = namespaceOf(owner);
  int64_t newest = revisions.empty() ? 0 : revisionNumber(*revisions.back());
  for (const auto& rev : revisions) {
    if (nameOf(*rev) != name) continue;
    if (revisionNumber(*rev) == newest) return *rev;
    // An older template is current again: it becomes the newest revision.
    bj::object updated = *rev;
    updated["apiVersion"] = "apps/v1";
    updated["kind"] = "ControllerRevision";
    updated["revision"] = newest + 1;
    return client.update(kControllerRevisions, ns, name, updated);
  }
  bj::object labels;
  if (const auto* tmeta = json::getObject(podTemplate, "metadata")) {
    if (const auto* l = json::getObject(*tmeta, "labels")) labels = *l;
  }
  labels[kRevisionHashLabel] = hash;
  bj::object meta{{"name", name},
                  {"namespace", ns},
                  {"labels", labels},
                  {"ownerReferences", bj::array{controllerRef.toJson()}}};
  bj::object rev{{"apiVersion", "apps/v1"},
                 {"kind", "ControllerRevision"},
                 {"metadata", meta},
                 {"data", revisionData(podTemplate)},
                 {"revision", newest + 1}};
  try {
    return client.create(kControllerRevisions, ns, rev);
  } catch (const ApiError& e) {
    if (e.code() != 409) throw;
    // Our cache has not seen it yet (or another owner of the same name left it): use what is
    // there when it is ours, otherwise retry later.
    bj::object existing = client.get(kControllerRevisions, ns, name);
    auto ref = controllerOf(existing);
    if (!ref || ref->uid != controllerRef.uid) throw;
    return existing;
  }
}

void truncateHistory(client::ApiClient& client, const std::vector<client::ObjectPtr>& revisions,
                     const std::vector<std::string>& live, int64_t limit) {
  std::unordered_set<std::string> keep(live.begin(), live.end());
  std::vector<client::ObjectPtr> removable;
  for (const auto& rev : revisions) {
    const auto* labels = labelsOf(*rev);
    std::string hash = labels ? json::getString(*labels, kRevisionHashLabel) : "";
    if (!keep.count(hash)) removable.push_back(rev);
  }
  if (static_cast<int64_t>(removable.size()) <= limit) return;
  size_t excess = removable.size() - static_cast<size_t>(std::max<int64_t>(0, limit));
  for (size_t i = 0; i < excess; ++i) {
    try {
      client.remove(kControllerRevisions, namespaceOf(*removable[i]), nameOf(*removable[i]));
    } catch (const ApiError&) {
      // Already gone, or retried on the next reconcile.
    }
  }
}

}  // namespace cube::controllers::history

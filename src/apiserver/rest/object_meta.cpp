#include "apiserver/rest/object_meta.h"

#include "common/json_util.h"

namespace cube::apiserver {

namespace {
const boost::json::object kEmpty;
}

const boost::json::object& metadataOf(const boost::json::object& obj) {
  const auto* m = json::getObject(obj, "metadata");
  return m ? *m : kEmpty;
}

boost::json::object& metadataOf(boost::json::object& obj) {
  return json::ensureObject(obj, "metadata");
}

std::string nameOf(const boost::json::object& obj) {
  return json::getString(metadataOf(obj), "name");
}
std::string namespaceOf(const boost::json::object& obj) {
  return json::getString(metadataOf(obj), "namespace");
}
std::string uidOf(const boost::json::object& obj) {
  return json::getString(metadataOf(obj), "uid");
}
std::string resourceVersionOf(const boost::json::object& obj) {
  return json::getString(metadataOf(obj), "resourceVersion");
}

bool isTerminating(const boost::json::object& obj) {
  const auto& m = metadataOf(obj);
  auto it = m.find("deletionTimestamp");
  return it != m.end() && it->value().is_string();
}

bool hasFinalizer(const boost::json::object& obj, const std::string& finalizer) {
  const auto* list = json::getArray(metadataOf(obj), "finalizers");
  if (!list) return false;
  for (const auto& f : *list) {
    if (f.is_string() && f.get_string() == finalizer) return true;
  }
  return false;
}

bool hasFinalizers(const boost::json::object& obj) {
  const auto* list = json::getArray(metadataOf(obj), "finalizers");
  return list && !list->empty();
}

void addFinalizer(boost::json::object& obj, const std::string& finalizer) {
  if (hasFinalizer(obj, finalizer)) return;
  auto& m = metadataOf(obj);
  auto& list = m["finalizers"];
  if (!list.is_array()) list = boost::json::array();
  list.get_array().push_back(boost::json::value(finalizer));
}

void removeFinalizer(boost::json::object& obj, const std::string& finalizer) {
  auto& m = metadataOf(obj);
  auto it = m.find("finalizers");
  if (it == m.end() || !it->value().is_array()) return;
  auto& list = it->value().get_array();
  for (auto i = list.begin(); i != list.end();) {
    if (i->is_string() && i->get_string() == finalizer) {
      i = list.erase(i);
    } else {
      ++i;
    }
  }
  if (list.empty()) m.erase("finalizers");
}

bool specChanged(const boost::json::object& a, const boost::json::object& b) {
  auto significant = [](const boost::json::object& o) {
    boost::json::object copy;
    for (const auto& kv : o) {
      if (kv.key() == "metadata" || kv.key() == "status" || kv.key() == "apiVersion" ||
          kv.key() == "kind") {
        continue;
      }
      copy[kv.key()] = kv.value();
    }
    return copy;
  };
  return significant(a) != significant(b);
}

bool sameIgnoringResourceVersion(const boost::json::object& a, const boost::json::object& b) {
  boost::json::object ca = a, cb = b;
  metadataOf(ca).erase("resourceVersion");
  metadataOf(cb).erase("resourceVersion");
  return ca == cb;
}

}  // namespace cube::apiserver

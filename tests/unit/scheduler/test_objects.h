#pragma once
// Builders for the Node and Pod JSON the scheduler tests feed in (no server needed).

#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

#include <boost/json.hpp>

#include <memory>
#include <string>

namespace cube::scheduler::testing {

namespace bj = boost::json;

inline bj::object makeNode(const std::string& name, const std::string& cpu = "4",
                           const std::string& memory = "8Gi", const std::string& pods = "110") {
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata",
       bj::object{{"name", name}, {"labels", bj::object{{"kubernetes.io/hostname", name}}}}},
      {"spec", bj::object{}},
      {"status",
       bj::object{{"allocatable", bj::object{{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
                  {"capacity", bj::object{{"cpu", cpu}, {"memory", memory}, {"pods", pods}}},
                  {"conditions", bj::array{bj::object{{"type", "Ready"}, {"status", "True"}}}}}}};
}

inline bj::object makePod(const std::string& name, const std::string& cpu = "",
                          const std::string& memory = "", const std::string& ns = "default") {
  bj::object requests;
  if (!cpu.empty()) requests["cpu"] = cpu;
  if (!memory.empty()) requests["memory"] = memory;
  bj::object container{{"name", "c"}, {"image", "busybox"}};
  if (!requests.empty()) container["resources"] = bj::object{{"requests", requests}};
  return bj::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", bj::object{{"name", name}, {"namespace", ns}, {"uid", "uid-" + name}}},
      {"spec", bj::object{{"containers", bj::array{container}}}}};
}

inline bj::object& spec(bj::object& o) {
  return o["spec"].as_object();
}
inline bj::object& meta(bj::object& o) {
  return o["metadata"].as_object();
}
inline void setLabel(bj::object& o, const std::string& k, const std::string& v) {
  auto& m = meta(o);
  if (!m["labels"].is_object()) m["labels"] = bj::object{};
  m["labels"].as_object()[k] = v;
}
inline void setOwner(bj::object& pod, const std::string& uid) {
  meta(pod)["ownerReferences"] = bj::array{bj::object{{"apiVersion", "apps/v1"},
                                                      {"kind", "ReplicaSet"},
                                                      {"name", "rs"},
                                                      {"uid", uid},
                                                      {"controller", true}}};
}

inline PodInfoPtr podInfo(const bj::object& pod) {
  return parsePodInfo(std::make_shared<const bj::object>(pod));
}
inline NodeInfo nodeInfo(const bj::object& node) {
  NodeInfo n;
  n.spec = parseNodeSpecInfo(node);
  return n;
}
inline bj::object parse(const std::string& text) {
  return bj::parse(text).as_object();
}

}  // namespace cube::scheduler::testing

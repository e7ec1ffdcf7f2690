#pragma once
// Helpers for the group kind tests: JSON literals and cause matching.

#include "common/api_error.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <vector>

namespace cube::api::testing {

inline boost::json::object obj(const char* text) {
  return boost::json::parse(text).as_object();
}

// "field: message" lines, the way kubectl prints causes.
inline std::string describe(const std::vector<StatusCause>& causes) {
  std::string s;
  for (const auto& c : causes) s += c.field + ": " + c.message + " [" + c.reason + "]\n";
  return s;
}

inline bool hasCause(const std::vector<StatusCause>& causes, const std::string& field,
                     const std::string& message) {
  for (const auto& c : causes) {
    if (c.field == field && c.message == message) return true;
  }
  return false;
}

// A pod template with the core defaults already applied, labelled app=<app>.
inline std::string podTemplate(const std::string& app, const std::string& restartPolicy) {
  return R"({"metadata":{"labels":{"app":")" + app + R"("}},"spec":{"restartPolicy":")" +
         restartPolicy +
         R"(","dnsPolicy":"ClusterFirst","terminationGracePeriodSeconds":30,)"
         R"("schedulerName":"default-scheduler","securityContext":{},)"
         R"("containers":[{"name":"c","image":"busybox:1.36","imagePullPolicy":"IfNotPresent",)"
         R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",)"
         R"("resources":{}}]}})";
}

}  // namespace cube::api::testing

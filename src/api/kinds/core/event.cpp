// core/v1 Event: the involved object's namespace must be the event's own (legacy events may
// leave it empty for cluster-scoped objects when the event lives in "default").

#include "api/kinds/core/core_strategies.h"
#include "api/validation/validation.h"

namespace cube::api::kinds::core {

namespace json = boost::json;
namespace v = validation;

namespace {

v::Causes validate(const json::object& ev, const json::object* old) {
  v::Causes out = v::validateMeta(ev, old, true, v::nameIsDnsSubdomain);
  static const json::object kEmpty;
  const auto* metaPtr = v::getObject(ev, "metadata");
  const auto& meta = metaPtr ? *metaPtr : kEmpty;
  std::string ns(v::getString(meta, "namespace").value_or(""));
  const auto* involvedPtr = v::getObject(ev, "involvedObject");
  const auto& involved = involvedPtr ? *involvedPtr : kEmpty;
  std::string involvedNs(v::getString(involved, "namespace").value_or(""));
  bool hasEventTime = !v::getString(ev, "eventTime").value_or("").empty();
  if (!hasEventTime) {
    if (involvedNs.empty()) {
      if (!ns.empty() && ns != "default")
        out.push_back(v::invalid("involvedObject.namespace", json::value(involvedNs),
                                 "does not match event.namespace"));
    } else if (ns != involvedNs) {
      out.push_back(v::invalid("involvedObject.namespace", json::value(involvedNs),
                               "does not match event.namespace"));
    }
  } else {
    // New-style events name the reporting controller and carry an action.
    if (involvedNs.empty() && !ns.empty() && ns != "default")
      out.push_back(v::invalid("involvedObject.namespace", json::value(involvedNs),
                               "does not match event.namespace"));
    if (!involvedNs.empty() && ns != involvedNs)
      out.push_back(v::invalid("involvedObject.namespace", json::value(involvedNs),
                               "does not match event.namespace"));
    auto rc = v::getString(ev, "reportingComponent").value_or("");
    if (rc.empty()) {
      out.push_back(v::required("reportingComponent"));
    } else {
      for (auto& m : v::isQualifiedName(rc))
        out.push_back(v::invalid("reportingComponent", json::value(rc), m));
    }
    if (v::getString(ev, "reportingInstance").value_or("").empty())
      out.push_back(v::required("reportingInstance"));
    if (v::getString(ev, "action").value_or("").empty()) out.push_back(v::required("action"));
    if (v::getString(ev, "reason").value_or("").empty()) out.push_back(v::required("reason"));
  }
  if (auto type = v::getString(ev, "type");
      type && !type->empty() && *type != "Normal" && *type != "Warning" && hasEventTime)
    out.push_back(v::notSupported("type", json::value(*type), {"Normal", "Warning"}));
  return out;
}

}  // namespace

KindStrategy eventStrategy() {
  KindStrategy s;
  s.validate = validate;
  return s;
}

}  // namespace cube::api::kinds::core

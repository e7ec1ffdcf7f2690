// PodSpec defaulting and quantity canonicalisation. The unconditional defaults live in the schema
// (core_v1.schema); what is here depends on other fields (image tag, hostNetwork, which volume
// source is set) or treats an explicit empty string like an absent field, as Kubernetes does.

#include "api/validation/pod_spec.h"
#include "api/validation/pod_spec_internal.h"

#include "common/quantity.h"

#include <boost/json/serialize.hpp>

namespace cube::api::validation {

namespace json = boost::json;

namespace {

// The tag Kubernetes derives for pull-policy defaulting: a reference without tag or digest means
// "latest".
std::string imageTag(std::string_view image) {
  bool digest = false;
  if (auto at = image.find('@'); at != std::string_view::npos) {
    digest = true;
    image = image.substr(0, at);
  }
  auto slash = image.rfind('/');
  auto colon = image.find(':', slash == std::string_view::npos ? 0 : slash + 1);
  std::string tag = colon == std::string_view::npos ? "" : std::string(image.substr(colon + 1));
  if (tag.empty() && !digest) tag = "latest";
  return tag;
}

void setIfEmpty(json::object& o, std::string_view k, json::value v) {
  auto it = o.find(k);
  if (it == o.end() || it->value().is_null() ||
      (it->value().is_string() && it->value().as_string().empty()))
    o[k] = std::move(v);
}

void defaultHandler(json::object& h) {
  if (auto* g = h.if_contains("httpGet"); g && g->is_object()) {
    setIfEmpty(g->as_object(), "path", "/");
    setIfEmpty(g->as_object(), "scheme", "HTTP");
  }
}

void defaultProbe(json::object& c, std::string_view k) {
  auto* p = c.if_contains(k);
  if (!p || !p->is_object()) return;
  auto& probe = p->as_object();
  defaultHandler(probe);
  for (auto [field, value] : {std::pair{"timeoutSeconds", 1}, std::pair{"periodSeconds", 10},
                              std::pair{"successThreshold", 1}, std::pair{"failureThreshold", 3}}) {
    auto v = getInt(probe, field);
    if (!v || *v == 0) probe[field] = value;
  }
}

void defaultContainer(json::object& c, bool hostNetwork) {
  if (!getString(c, "imagePullPolicy").value_or("").size()) {
    std::string tag = imageTag(getString(c, "image").value_or(""));
    c["imagePullPolicy"] = tag == "latest" ? "Always" : "IfNotPresent";
  }
  setIfEmpty(c, "terminationMessagePath", "/dev/termination-log");
  setIfEmpty(c, "terminationMessagePolicy", "File");
  if (!c.contains("resources")) c["resources"] = json::object();
  if (auto* ports = c.if_contains("ports"); ports && ports->is_array()) {
    for (auto& pv : ports->as_array()) {
      if (!pv.is_object()) continue;
      auto& port = pv.as_object();
      setIfEmpty(port, "protocol", "TCP");
      // On the host network the container port is the host port.
      if (hostNetwork && getInt(port, "hostPort").value_or(0) == 0) {
        if (auto cp = getInt(port, "containerPort")) port["hostPort"] = *cp;
      }
    }
  }
  for (auto k : {"livenessProbe", "readinessProbe", "startupProbe"}) defaultProbe(c, k);
  if (auto* lc = c.if_contains("lifecycle"); lc && lc->is_object()) {
    for (auto k : {"postStart", "preStop"})
      if (auto* h = lc->as_object().if_contains(k); h && h->is_object())
        defaultHandler(h->as_object());
  }
  if (auto* env = c.if_contains("env"); env && env->is_array()) {
    for (auto& ev : env->as_array()) {
      if (!ev.is_object()) continue;
      auto* from = ev.as_object().if_contains("valueFrom");
      if (!from || !from->is_object()) continue;
      if (auto* f = from->as_object().if_contains("fieldRef"); f && f->is_object())
        setIfEmpty(f->as_object(), "apiVersion", "v1");
    }
  }
}

void defaultVolume(json::object& vol) {
  bool any = false;
  for (auto k : detail::kPodVolumeSources) {
    auto* v = vol.if_contains(k);
    if (v && !v->is_null()) any = true;
  }
  // A volume with no source is an emptyDir.
  if (!any) vol["emptyDir"] = json::object();
  if (auto* hp = vol.if_contains("hostPath");
      hp && hp->is_object() && !hp->as_object().contains("type"))
    hp->as_object()["type"] = "";
  for (auto k : {"secret", "configMap", "downwardAPI", "projected"}) {
    auto* s = vol.if_contains(k);
    if (s && s->is_object() && !s->as_object().contains("defaultMode"))
      s->as_object()["defaultMode"] = 420;
  }
  if (auto* d = vol.if_contains("downwardAPI"); d && d->is_object()) {
    if (auto* items = d->as_object().if_contains("items"); items && items->is_array())
      for (auto& it : items->as_array())
        if (it.is_object())
          if (auto* f = it.as_object().if_contains("fieldRef"); f && f->is_object())
            setIfEmpty(f->as_object(), "apiVersion", "v1");
  }
}

template <typename F>
void forEachContainer(json::object& spec, F&& f) {
  for (auto list : {"containers", "initContainers", "ephemeralContainers"}) {
    auto* arr = spec.if_contains(list);
    if (!arr || !arr->is_array()) continue;
    for (auto& c : arr->as_array())
      if (c.is_object()) f(c.as_object());
  }
}

void canonicalizeValue(json::value& v) {
  std::optional<std::string> text;
  if (v.is_string()) {
    text = std::string(v.as_string());
  } else if (v.is_int64() || v.is_uint64() || v.is_double()) {
    text = json::serialize(v);
  }
  if (!text) return;
  if (auto c = canonicalQuantity(*text)) v = json::string(*c);
}

}  // namespace

void canonicalizeQuantityMap(json::object& parent, std::string_view k) {
  auto* m = parent.if_contains(k);
  if (!m || !m->is_object()) return;
  for (auto& kv : m->as_object()) canonicalizeValue(kv.value());
}

void normalizePodSpec(json::object& spec) {
  auto resources = [](json::object& owner) {
    auto* r = owner.if_contains("resources");
    if (!r || !r->is_object()) return;
    canonicalizeQuantityMap(r->as_object(), "limits");
    canonicalizeQuantityMap(r->as_object(), "requests");
  };
  forEachContainer(spec, [&](json::object& c) {
    resources(c);
    if (auto* env = c.if_contains("env"); env && env->is_array()) {
      for (auto& ev : env->as_array()) {
        if (!ev.is_object()) continue;
        auto* from = ev.as_object().if_contains("valueFrom");
        if (!from || !from->is_object()) continue;
        auto* rf = from->as_object().if_contains("resourceFieldRef");
        if (rf && rf->is_object())
          if (auto* d = rf->as_object().if_contains("divisor")) canonicalizeValue(*d);
      }
    }
  });
  resources(spec);
  canonicalizeQuantityMap(spec, "overhead");
  if (auto* vols = spec.if_contains("volumes"); vols && vols->is_array()) {
    for (auto& v : vols->as_array()) {
      if (!v.is_object()) continue;
      auto* ed = v.as_object().if_contains("emptyDir");
      if (ed && ed->is_object())
        if (auto* s = ed->as_object().if_contains("sizeLimit")) canonicalizeValue(*s);
    }
  }
}

void defaultPodSpec(json::object& spec) {
  setIfEmpty(spec, "restartPolicy", "Always");
  setIfEmpty(spec, "dnsPolicy", "ClusterFirst");
  setIfEmpty(spec, "schedulerName", "default-scheduler");
  if (!spec.contains("securityContext") || spec["securityContext"].is_null())
    spec["securityContext"] = json::object();
  if (!spec.contains("terminationGracePeriodSeconds") ||
      spec["terminationGracePeriodSeconds"].is_null())
    spec["terminationGracePeriodSeconds"] = 30;
  bool hostNetwork = getBool(spec, "hostNetwork").value_or(false);
  forEachContainer(spec, [&](json::object& c) { defaultContainer(c, hostNetwork); });
  if (auto* vols = spec.if_contains("volumes"); vols && vols->is_array())
    for (auto& v : vols->as_array())
      if (v.is_object()) defaultVolume(v.as_object());
}

}  // namespace cube::api::validation

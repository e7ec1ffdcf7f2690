// StatefulSetController: wiring, handlers, pod and PVC creation, and the status write. The
// ordering rules are in stateful_set_sync.cpp.

#include "controllers/statefulset/stateful_set_controller.h"

#include "common/api_error.h"
#include "common/json_util.h"
#include "common/log.h"
#include "controllers/controller_ref.h"
#include "controllers/history/controller_history.h"
#include "controllers/pod_control.h"

namespace cube::controllers::statefulset {

namespace bj = boost::json;

const client::Resource kStatefulSets{"apps", "v1", "statefulsets", true};

namespace {
const client::Resource kPods{"", "v1", "pods", true};
const client::Resource kClaims{"", "v1", "persistentvolumeclaims", true};
}  // namespace

std::optional<int64_t> ordinalOf(const std::string& setName, const std::string& podName) {
  if (podName.size() <= setName.size() + 1 || podName.compare(0, setName.size(), setName) != 0 ||
      podName[setName.size()] != '-')
    return std::nullopt;
  std::string digits = podName.substr(setName.size() + 1);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos ||
      (digits.size() > 1 && digits[0] == '0'))
    return std::nullopt;
  return std::stoll(digits);
}

StatefulSetController::StatefulSetController(const ControllerContext& context)
    : StatefulSetController(
          Deps{context.client,
               std::make_shared<InformerCache>(context.informers->informerFor(kStatefulSets)),
               std::make_shared<InformerCache>(context.informers->informerFor(kPods)),
               std::make_shared<InformerCache>(
                   context.informers->informerFor(history::kControllerRevisions)),
               std::make_shared<client::ApiEventRecorder>(
                   context.client, client::EventSource{"statefulset-controller"}, context.clock),
               context.clock}) {
  auto onSet = [this](const ObjectPtr& o) { onSetEvent(o); };
  context.informers->informerFor(kStatefulSets)
      ->addHandlers({onSet, [onSet](const ObjectPtr&, const ObjectPtr& b) { onSet(b); }, onSet});
  auto onPod = [this](const ObjectPtr& o) { onPodEvent(o); };
  context.informers->informerFor(kPods)->addHandlers(
      {onPod,
       [onPod](const ObjectPtr& a, const ObjectPtr& b) {
         onPod(a);
         onPod(b);
       },
       onPod});
}

StatefulSetController::StatefulSetController(Deps deps)
    : deps_(std::move(deps)),
      queue_(std::make_unique<client::WorkQueue>(deps_.clock)),
      workers_(std::make_unique<QueueWorkers>(
          "statefulset-controller", *queue_, [this](const std::string& key) { reconcile(key); })) {}

StatefulSetController::~StatefulSetController() {
  stop();
}

void StatefulSetController::start(int workers) {
  workers_->start(workers);
}

void StatefulSetController::stop() {
  workers_->stop();
}

ObjectPtr StatefulSetController::ownerOf(const bj::object& pod) const {
  auto ref = controllerOf(pod);
  if (!ref || ref->kind != "StatefulSet") return nullptr;
  ObjectPtr set = deps_.statefulSets->get(namespaceOf(pod) + "/" + ref->name);
  return set && uidOf(*set) == ref->uid ? set : nullptr;
}

void StatefulSetController::onSetEvent(const ObjectPtr& set) {
  queue_->add(client::Informer::keyOf(*set));
}

void StatefulSetController::onPodEvent(const ObjectPtr& pod) {
  if (ObjectPtr set = ownerOf(*pod)) return onSetEvent(set);
  if (controllerOf(*pod)) return;
  // An orphan named like one of a set's pods may be adopted by it.
  for (const auto& set : deps_.statefulSets->listNamespace(namespaceOf(*pod))) {
    if (ordinalOf(nameOf(*set), nameOf(*pod))) onSetEvent(set);
  }
}

void StatefulSetController::createPod(const bj::object& set, int64_t ordinal,
                                      const bj::object& podTemplate, const std::string& revision) {
  std::string ns = namespaceOf(set), setName = nameOf(set);
  std::string podName = setName + "-" + std::to_string(ordinal);
  client::ObjectReference about = client::ObjectReference::of(set, "apps/v1", "StatefulSet");
  bj::object pod =
      podFromTemplate(podTemplate, ns, setName, makeControllerRef(set, "apps/v1", "StatefulSet"));
  bj::object& meta = pod["metadata"].as_object();
  meta.erase("generateName");
  meta["name"] = podName;
  bj::object& labels = json::ensureObject(meta, "labels");
  labels["statefulset.kubernetes.io/pod-name"] = podName;
  labels["apps.kubernetes.io/pod-index"] = std::to_string(ordinal);
  labels[history::kRevisionHashLabel] = revision;
  bj::object& spec = pod["spec"].as_object();
  spec["hostname"] = podName;
  std::string service = json::getString(*json::getObject(set, "spec"), "serviceName");
  if (!service.empty()) spec["subdomain"] = service;

  // Each ordinal's claims exist before its pod, so the pod never starts without its storage.
  if (const auto* claims = json::getArray(*json::getObject(set, "spec"), "volumeClaimTemplates")) {
    for (const auto& c : *claims) {
      if (!c.is_object()) continue;
      const auto* cmeta = json::getObject(c.as_object(), "metadata");
      std::string claimTemplate = cmeta ? json::getString(*cmeta, "name") : "";
      if (claimTemplate.empty()) continue;
      std::string claimName = claimTemplate + "-" + podName;
      bj::object claimMeta{{"name", claimName}, {"namespace", ns}};
      bj::object claimLabels;
      if (cmeta) {
        if (const auto* l = json::getObject(*cmeta, "labels")) claimLabels = *l;
      }
      if (const auto* sel = json::findPath(set, "spec.selector.matchLabels");
          sel && sel->is_object())
        for (const auto& [k, v] : sel->as_object()) claimLabels[k] = v;
      claimMeta["labels"] = claimLabels;
      bj::object claim{{"apiVersion", "v1"},
                       {"kind", "PersistentVolumeClaim"},
                       {"metadata", claimMeta},
                       {"spec", c.as_object().contains("spec") ? c.as_object().at("spec")
                                                               : bj::value(bj::object{})}};
      try {
        deps_.client->create(kClaims, ns, claim);
        deps_.recorder->event(about, "Normal", "SuccessfulCreate",
                              "create Claim " + claimName + " Pod " + podName + " in StatefulSet " +
                                  setName + " success");
      } catch (const ApiError& e) {
        // An existing claim is reused: that is the point of stable storage.
        if (e.code() != 409) {
          deps_.recorder->event(about, "Warning", "FailedCreate",
                                "create Claim " + claimName + " for Pod " + podName +
                                    " in StatefulSet " + setName + " failed error: " + e.message());
          throw;
        }
      }
      bj::value& volumes = spec["volumes"];
      if (!volumes.is_array()) volumes = bj::array{};
      json::removeIf(volumes.as_array(), [&](const bj::value& v) {
        return v.is_object() && json::getString(v.as_object(), "name") == claimTemplate;
      });
      volumes.as_array().push_back(
          bj::object{{"name", claimTemplate},
                     {"persistentVolumeClaim", bj::object{{"claimName", claimName}}}});
    }
  }

  try {
    deps_.client->create(kPods, ns, pod);
  } catch (const ApiError& e) {
    // Created already and not yet in our cache: the coming event reconciles again.
    if (e.code() == 409) return;
    deps_.recorder->event(
        about, "Warning", "FailedCreate",
        "create Pod " + podName + " in StatefulSet " + setName + " failed error: " + e.message());
    throw;
  }
  deps_.recorder->event(about, "Normal", "SuccessfulCreate",
                        "create Pod " + podName + " in StatefulSet " + setName + " successful");
}

void StatefulSetController::deletePod(const bj::object& set, const bj::object& pod) {
  client::ObjectReference about = client::ObjectReference::of(set, "apps/v1", "StatefulSet");
  std::string podName = nameOf(pod);
  client::DeleteOptions options;
  options.preconditionUid = uidOf(pod);  // never the successor of a pod we meant
  try {
    deps_.client->remove(kPods, namespaceOf(pod), podName, options);
  } catch (const ApiError& e) {
    if (e.code() == 404 || e.code() == 409) return;
    deps_.recorder->event(about, "Warning", "FailedDelete",
                          "delete Pod " + podName + " in StatefulSet " + nameOf(set) +
                              " failed error: " + e.message());
    throw;
  }
  deps_.recorder->event(about, "Normal", "SuccessfulDelete",
                        "delete Pod " + podName + " in StatefulSet " + nameOf(set) + " successful");
}

void StatefulSetController::writeStatus(const bj::object& set, const bj::object& status) {
  bj::object obj = set;
  for (int attempt = 0;; ++attempt) {
    const auto* previous = json::getObject(obj, "status");
    bj::object next = previous ? *previous : bj::object{};
    for (const auto& [k, v] : status) next[k] = v;
    if (previous && next == *previous) return;
    obj["apiVersion"] = "apps/v1";
    obj["kind"] = "StatefulSet";
    obj["status"] = next;
    try {
      deps_.client->update(kStatefulSets, namespaceOf(obj), nameOf(obj), obj, "status");
      return;
    } catch (const ApiError& e) {
      if (e.code() == 404) return;
      if (e.code() != 409 || attempt >= 1) throw;
    }
    // Our cache is behind (often our own previous write): the same counts onto the newest object.
    obj = deps_.client->get(kStatefulSets, namespaceOf(obj), nameOf(obj));
  }
}

}  // namespace cube::controllers::statefulset

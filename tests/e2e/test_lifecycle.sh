#!/usr/bin/env bash
# Object lifecycle details: binding, graceful pod deletion and --force, finalizers, paging,
# metadata-only lists, events in both APIs, generateName, --dry-run=server delete.
source "$(dirname "$0")/lib.sh"
start_cluster
W=$E2E_DIR/work; mkdir -p "$W"

kubectl run bound --image=nginx >/dev/null
code=$(api -o "$W/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Node","name":"node-1"}}' \
  "$CUBE_URL/api/v1/namespaces/default/pods/bound/binding")
expect_eq "binding is 201" "201" echo "$code"
expect_eq "pod bound to the node" "node-1" kubectl get pod bound -o jsonpath='{.spec.nodeName}'
expect_eq "PodScheduled condition" "True" kubectl get pod bound -o jsonpath='{.status.conditions[?(@.type=="PodScheduled")].status}'
code=$(api -o "$W/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"bound"},"target":{"kind":"Node","name":"node-2"}}' \
  "$CUBE_URL/api/v1/namespaces/default/pods/bound/binding")
expect_eq "second binding is a Conflict" "409" echo "$code"
expect "pod on a node shows it" 'bound .* node-1' kubectl get pod bound -o wide
expect "delete of a bound pod waits for its node" 'pod "bound" deleted' kubectl delete pod bound --wait=false
expect "pod is Terminating" 'bound +0/1 +Terminating' kubectl get pod bound
expect_eq "grace period recorded" "30" kubectl get pod bound -o jsonpath='{.metadata.deletionGracePeriodSeconds}'
expect "force delete" 'force deleted' kubectl delete pod bound --force --grace-period=0
expect_fail "force deleted pod is gone" 'NotFound' kubectl get pod bound
kubectl run short --image=nginx >/dev/null
api -X POST -H 'Content-Type: application/json' --data '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"short"},"target":{"kind":"Node","name":"node-1"}}' "$CUBE_URL/api/v1/namespaces/default/pods/short/binding" >/dev/null
expect "short grace period" 'deleted' kubectl delete pod short --grace-period=1 --wait=false
sleep 2
# As in Kubernetes, only the node's agent (or a forced delete) ends a bound pod; node-1 does not
# exist, so the pod garbage collector removes the pod once node-1 was missing for 40 s (checked
# every 20 s).
expect "a bound pod stays Terminating past its grace period" 'short +0/1 +Terminating' kubectl get pod short
eventually_for 90 "the pod GC removes a pod whose node does not exist" 'NotFound' kubectl get pod short

cat >"$W/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: held
  finalizers: ["example.com/hold"]
data:
  a: "1"
YAML
kubectl create -f "$W/cm.yaml" >/dev/null
expect "delete of an object with a finalizer" 'deleted' kubectl delete cm held --wait=false
expect "it stays while the finalizer is there" 'deletionTimestamp' kubectl get cm held -o yaml
expect "removing the last finalizer" 'patched' kubectl patch cm held --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'
expect_fail "then it is gone" 'NotFound' kubectl get cm held

for i in 1 2 3 4 5; do kubectl create cm "page-$i" --from-literal=k=v >/dev/null; done
expect_eq "paged list (chunk size 2) returns everything" "$(kubectl get cm -o name)" kubectl get cm --chunk-size=2 -o name
page=$(api "$CUBE_URL/api/v1/namespaces/default/configmaps?limit=2")
expect "limit sets continue" '"continue":"' echo "$page"
expect "remainingItemCount" '"remainingItemCount":[0-9]' echo "$page"
expect "metadata-only list" '"kind":"PartialObjectMetadataList"' api -H 'Accept: application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' "$CUBE_URL/api/v1/namespaces/default/configmaps"

cat >"$W/event.yaml" <<'YAML'
apiVersion: v1
kind: Event
metadata:
  name: ev1
involvedObject:
  kind: ConfigMap
  name: page-1
  namespace: default
reason: Tested
message: hello from the test
type: Normal
source:
  component: e2e
YAML
expect "create core event" 'event/ev1 created' kubectl create -f "$W/event.yaml"
expect "events table" 'Normal +Tested +configmap/page-1 +hello from the test' kubectl get events
expect "the same event through events.k8s.io" '"note":"hello from the test"' api "$CUBE_URL/apis/events.k8s.io/v1/namespaces/default/events/ev1"
expect "event field selector" 'ev1' kubectl get events --field-selector involvedObject.name=page-1 -o name

cat >"$W/gen.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  generateName: gen-
YAML
expect "generateName" 'configmap/gen-[a-z0-9]{5} created' kubectl create -f "$W/gen.yaml"
expect "delete --dry-run=server" 'deleted \(server dry run\)' kubectl delete cm page-1 --dry-run=server
expect "dry-run delete kept the object" 'page-1' kubectl get cm page-1
expect "delete by label across a collection" 'deleted' kubectl delete cm --all
# Cascading deletion: --cascade=orphan keeps the dependents (their ownerReference goes),
# --cascade=foreground deletes them before the owner.
M=$(dirname "$0")/manifests
kubectl create -f "$M/http-go-rs.yaml" >/dev/null
eventually "the ReplicaSet's pods exist" '^3$' bash -c "kubectl get pods -l app=http-go -o name | wc -l"
expect "delete --cascade=orphan returns" 'replicaset.apps "http-go-rs" deleted' timeout 20 kubectl delete rs http-go-rs --cascade=orphan
expect_eq "orphaned pods survive" "3" bash -c "kubectl get pods -l app=http-go -o name | wc -l"
expect_eq "orphaned pods lost their owner" "" kubectl get pods -l app=http-go -o jsonpath='{.items[*].metadata.ownerReferences}'
kubectl delete pods -l app=http-go --wait=false >/dev/null
kubectl create -f "$M/http-go-rs.yaml" >/dev/null
eventually "the new ReplicaSet's pods exist" '^3$' bash -c "kubectl get pods -l app=http-go -o name | wc -l"
expect "delete --cascade=foreground returns" 'deleted' timeout 30 kubectl delete rs http-go-rs --cascade=foreground
expect_eq "foreground deletion removed the dependents" "0" bash -c "kubectl get pods -l app=http-go -o name | wc -l"
expect_eq "and the owner" "" bash -c "kubectl get rs -o name | grep http-go-rs"
finish

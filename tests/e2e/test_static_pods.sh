#!/bin/bash
# Static pods run from their files, as the kubelet's: a real node (`cube agent --runtime=crun
# --pod-manifest-path`) started while the API server is down starts its static pod's container
# (this is how a control plane boots); once the server is up the mirror pod shows it Running;
# `kubectl delete` of the mirror returns at once and the node makes a new mirror without
# restarting the container; kubectl logs/exec reach it through the mirror; an agent kill -9 and
# restart adopts it; a changed file replaces it (new container), a removed file stops it and
# deletes the mirror. Needs root and crun (skipped otherwise).
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

E2E_CLEANUP_HOOKS+=(dump_node_logs)

NODE=static-1
DATA=$(crun_data_dir "$NODE")
CRUN_ROOT="$DATA/agent/crun-runtime/crun"
STATIC=static-web-$NODE
build_test_images
expect "import busybox into the node's store" "imported docker.io/cube-test/busybox:1" \
  "$CUBE_BIN" image import --data-dir "$DATA" "$IMAGES/busybox-oci.tar"

# busybox ignores SIGTERM as PID 1: the shell traps it, so a stop is quick without a short grace.
MANIFESTS="$E2E_DIR/manifests"
mkdir -p "$MANIFESTS"
write_manifest() {
  cat >"$MANIFESTS/web.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: static-web
  namespace: kube-system
  labels:
    role: $1
spec:
  hostNetwork: true
  containers:
  - name: web
    image: cube-test/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo static $1; trap 'exit 0' TERM; while true; do sleep 1; done"]
YAML
}
write_manifest first

# running_containers: the ids of the node's running crun containers, one a line.
running_containers() { crun --root "$CRUN_ROOT" list 2>/dev/null | awk '$3 == "running" {print $1}'; }
# mirror FIELDS: the mirror pod's jsonpath FIELDS.
mirror() { kubectl -n kube-system get pod "$STATIC" -o jsonpath="$1"; }
export -f running_containers mirror
export CRUN_ROOT STATIC

# The API server is down: its port is known (a first start wrote the kubeconfig), nothing listens.
start_cluster
stop_pid "$CUBE_PID"
expect_fail "the API server is down" "refused|unable to connect|connect" kubectl get nodes
start_crun_agent "$NODE" --pod-manifest-path "$MANIFESTS"
eventually "the static pod's container runs without an API server" "^[0-9a-f-]+$" running_containers
eventually "and prints its line" "static first" \
  bash -c "cat $DATA/agent/crun-runtime/pods/kube-system_${STATIC}_*/web/0.log"

start_cluster
eventually "once the server is up, the node registers" "^$NODE +Ready " \
  kubectl get node "$NODE" --no-headers
eventually "and the mirror pod shows the static pod Running" "^$STATIC +1/1 +Running +0 " \
  kubectl -n kube-system get pod "$STATIC" --no-headers
CID=$(mirror '{.status.containerStatuses[0].containerID}')
expect_eq "it is the container started before the server was up" "$(running_containers)" \
  echo "${CID#crun://}"
HASH=$(mirror '{.metadata.annotations.kubernetes\.io/config\.hash}')
expect_eq "the mirror says where it comes from" "file $HASH Node/$NODE" \
  mirror '{.metadata.annotations.kubernetes\.io/config\.source} {.metadata.annotations.kubernetes\.io/config\.mirror} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}'
expect "its hash is 32 hex digits" "^[0-9a-f]{32}$" echo "$HASH"
expect "kubectl logs on the mirror pod" "static first" kubectl -n kube-system logs "$STATIC"
expect_eq "kubectl exec on the mirror pod" "in static" \
  kubectl -n kube-system exec "$STATIC" -- echo in static

# Deleting the mirror: there is nothing to stop (the container runs from the file), so even with
# a 30 s grace the deletion is confirmed at once, and a new mirror shows the same container.
OLD_UID=$(mirror '{.metadata.uid}')
expect "kubectl delete of the mirror pod returns without waiting for a grace period" \
  "deleted" timeout 15 kubectl -n kube-system delete pod "$STATIC" --grace-period=30
eventually "the node creates the mirror again, Running" "^[0-9a-f-]+ Running$" \
  bash -c "kubectl -n kube-system get pod $STATIC -o jsonpath='{.metadata.uid} {.status.phase}' |
    grep -v '^$OLD_UID '"
eventually "with the same container, never restarted" "^$CID 0$" \
  mirror '{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}'
expect_eq "which still runs" "${CID#crun://}" running_containers

# An agent killed and started again adopts the container (uid = hash, stable).
ADOPTED=$(grep -c "adopted sandbox" "$E2E_DIR/agent-$NODE.log")
kill -9 "$LAST_AGENT_PID"; wait "$LAST_AGENT_PID" 2>/dev/null
start_crun_agent "$NODE" --pod-manifest-path "$MANIFESTS"
eventually "a restarted agent adopts the static pod's sandbox" "^$((ADOPTED + 1))$" \
  grep -c "adopted sandbox" "$E2E_DIR/agent-$NODE.log"
expect_eq "and restarts nothing" "${CID#crun://}" running_containers
eventually "the mirror still shows it" "^$CID 0 true$" \
  mirror '{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}'

# A changed file is another pod: the old container stops, a new one starts, the mirror follows.
write_manifest changed
eventually "a changed manifest replaces the mirror" "^changed Running$" \
  mirror '{.metadata.labels.role} {.status.phase}'
expect "with a new hash" "^[0-9a-f]{32}$" \
  bash -c "kubectl -n kube-system get pod $STATIC \
    -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.mirror}' | grep -v '^$HASH$'"
eventually "and a new container" "^crun://" \
  bash -c "mirror '{.status.containerStatuses[0].containerID}' | grep -v '^$CID$'"
NEW_CID=$(mirror '{.status.containerStatuses[0].containerID}')
eventually "the old container is gone, the new one runs" "^${NEW_CID#crun://}$" running_containers
expect "kubectl logs shows the new one" "static changed" kubectl -n kube-system logs "$STATIC"

rm "$MANIFESTS/web.yaml"
eventually "a removed manifest deletes the mirror" "NotFound" \
  kubectl -n kube-system get pod "$STATIC"
eventually "and stops the container" "^none$" bash -c "running_containers | grep . || echo none"
finish

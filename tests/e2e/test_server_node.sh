#!/bin/bash
# `cube server` alone is a working single-node cluster: its embedded agent registers the host
# as a Node (named after the host, with the host's address) that runs real containers, so a pod
# created with kubectl runs, and the server's own flags for the node are the agent's. Also: the
# errors when a flag for the embedded node is wrong. Needs root and crun (skipped otherwise).
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

dump_server_log() {
  [ "$E2E_FAILED" -gt 0 ] || return 0
  echo "--- server log (tail) ---"; tail -40 "$E2E_DIR/server.log"
}
# The embedded node's containers are cleaned up once the server (its agent) has stopped.
stop_server() { stop_pid "$CUBE_PID"; }
E2E_CLEANUP_HOOKS+=(dump_server_log stop_server)

DATA="$E2E_DIR/data"
BRIDGE=cubes$$
NODE=$(hostname | tr '[:upper:]' '[:lower:]')
IMAGES="$E2E_DIR/images"
bash "$(dirname "$0")/../images/build.sh" "$IMAGES" >/dev/null || { echo "build.sh failed"; exit 1; }
expect "import busybox into the server's data dir" "imported docker.io/cube-test/busybox:1" \
  "$CUBE_BIN" image import --data-dir "$DATA" "$IMAGES/busybox-oci.tar"

# Flags of the embedded node are checked before the server starts.
expect_fail "an unknown runtime stops the server" "unknown --runtime=docker" \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/bad" --port 0 --runtime=docker
expect_fail "a malformed node label stops the server" "node-labels|label" \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/bad" --port 0 --node-labels "=x"
expect_fail "a missing crun says what is missing and how to do without" \
  "crun.*--disable-agent" \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/bad" --port 0 --crun-path /nonexistent/crun

track_crun_node "$DATA" "$BRIDGE"
CUBE_EMBEDDED_AGENT=1 start_cluster --bridge-name "$BRIDGE" --restart-backoff 1 \
  --node-labels cube.test/embedded=yes
eventually "the server registers its host as a Ready node" "^$NODE +Ready " \
  kubectl get nodes --no-headers
expect_eq "it is the only node" "1" bash -c "kubectl get nodes --no-headers | wc -l"
expect_eq "its runtime is crun" "crun" \
  bash -c "kubectl get node $NODE -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}' | cut -d: -f1"
# Only loopback exists in the test's namespace (the pod bridge is the node's own, not its address).
expect_eq "its InternalIP is the host's address" "127.0.0.1" \
  kubectl get node "$NODE" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}'
expect_eq "the server's --node-labels reach the node" "yes" \
  kubectl get node "$NODE" -o jsonpath='{.metadata.labels.cube\.test/embedded}'
eventually "the node gets a podCIDR" "10\.42\." \
  kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}'

cat >"$E2E_DIR/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: hello
    image: cube-test/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo hi > /tmp/ready; sleep 3600"]
YAML
expect "kubectl create a pod" "pod/hello created" kubectl create -f "$E2E_DIR/pod.yaml"
eventually "it runs on the server's own node" "^hello +1/1 +Running +0 .* $NODE " \
  kubectl get pod hello -o wide --no-headers
PODIP=$(kubectl get pod hello -o jsonpath='{.status.podIP}')
CIDR=$(kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}')
expect_eq "its IP is in the node's podCIDR" "${CIDR%.*/*}" echo "${PODIP%.*}"
UID_=$(kubectl get pod hello -o jsonpath='{.metadata.uid}')
SANDBOX=$(grep -l "\"podUid\":\"$UID_\"" "$DATA"/agent/crun-runtime/sandboxes/*/sandbox.json |
  head -1 | xargs -r dirname | xargs -r basename)
expect "its sandbox is a real network namespace holding the pod IP" "inet $PODIP/" \
  nsenter --net="/run/cube/netns/$SANDBOX" ip -4 addr
expect "kubectl delete pod" 'pod "hello" deleted' kubectl delete pod hello --wait=true
expect_eq "no sandbox is left" "" bash -c "ls $DATA/agent/crun-runtime/sandboxes 2>/dev/null"

# A restart of the server keeps the node and adopts what runs.
expect "a second pod" "pod/again created" \
  bash -c "sed 's/name: hello$/name: again/' '$E2E_DIR/pod.yaml' | kubectl create -f -"
eventually "it runs" "^again +1/1 +Running +0 " kubectl get pod again --no-headers
CID=$(kubectl get pod again -o jsonpath='{.status.containerStatuses[0].containerID}')
stop_pid "$CUBE_PID"
start_cluster
eventually "after a server restart the container is the same" "^$CID 0 true$" \
  kubectl get pod again -o jsonpath='{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}'
expect "kubectl delete pod again" 'pod "again" deleted' kubectl delete pod again --wait=true
finish

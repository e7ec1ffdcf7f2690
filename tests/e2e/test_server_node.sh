#!/bin/bash
# `cube server` alone is a working single-node cluster: its embedded agent registers the host
# as a Node (named after the host, with the host's address) that runs real containers, so a pod
# created with kubectl runs, and the server's own flags for the node are the agent's; static pods
# from --pod-manifest-path run from their files and show up as mirror pods; a Job completes and a Deployment's replicas
# answer. Also: the errors when a flag for the embedded
# node is wrong. Needs root and crun (skipped otherwise).
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
build_test_images
expect "import busybox into the server's data dir" "imported docker.io/cube-test/busybox:1" \
  "$CUBE_BIN" image import --data-dir "$DATA" "$IMAGES/busybox-oci.tar"
# make run's way: the archives of DATA/agent/images are imported when the node starts.
mkdir -p "$DATA/agent/images" && cp "$IMAGES/http-echo-oci.tar" "$DATA/agent/images/"

# Flags of the embedded node are checked before the server starts.
expect_fail "an unknown runtime stops the server" "unknown --runtime=docker" \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/bad" --port 0 --runtime=docker
expect_fail "a malformed node label stops the server" "node-labels|label" \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/bad" --port 0 --node-labels "=x"
expect_fail "a missing crun says what is missing and how to do without" \
  "crun.*--disable-agent" \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/bad" --port 0 --crun-path /nonexistent/crun

# Seed 001: the control plane's own pods are static pods, files in /etc/kubernetes/manifests.
MANIFESTS="$E2E_DIR/manifests"
mkdir -p "$MANIFESTS"
cat >"$MANIFESTS/web.manifest" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: static-web
  labels:
    role: myrole
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: cube-test/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
YAML
echo "this is: not [a pod" >"$MANIFESTS/broken.yaml"

track_crun_node "$DATA" "$BRIDGE"
CUBE_EMBEDDED_AGENT=1 start_cluster --bridge-name "$BRIDGE" --restart-backoff 1 \
  --node-labels cube.test/embedded=yes --pod-manifest-path "$MANIFESTS"
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
# The node removes the sandbox once the containers are down (after the pod left the API).
eventually "its sandbox and network namespace go" "^gone$" \
  bash -c "grep -l '\"podUid\":\"$UID_\"' $DATA/agent/crun-runtime/sandboxes/*/sandbox.json ||
    ls /run/cube/netns | grep -x '$SANDBOX' || echo gone"

# Static pods: a mirror pod per manifest, named after the node, owned by the Node.
STATIC=static-web-$NODE
eventually "the static pod runs, its mirror pod named after the node" "^$STATIC +1/1 +Running " \
  kubectl get pod "$STATIC" --no-headers
expect_eq "the mirror pod says where it comes from" "file Node/$NODE" \
  kubectl get pod "$STATIC" -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.source} {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}'
expect "its hash is the kubelet's config.mirror annotation" "^[0-9a-f]{32}$" \
  kubectl get pod "$STATIC" -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.mirror}'
expect_eq "the broken manifest makes no pod" "1" \
  bash -c "kubectl get pods --no-headers | grep -c '^static-\|^broken'"
OLD_UID=$(kubectl get pod "$STATIC" -o jsonpath='{.metadata.uid}')
STATIC_CID=$(kubectl get pod "$STATIC" -o jsonpath='{.status.containerStatuses[0].containerID}')
expect "deleting a mirror pod" "deleted" kubectl delete pod "$STATIC" --wait=false
eventually "the node creates it again" "^[0-9a-f-]+ Running$" \
  bash -c "kubectl get pod $STATIC -o jsonpath='{.metadata.uid} {.status.phase}' | grep -v '^$OLD_UID '"
# The containers run from the file, not from the mirror: deleting it restarts nothing.
eventually "showing the same container, not restarted" "^$STATIC_CID 0$" \
  kubectl get pod "$STATIC" -o jsonpath='{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}'
OLD_HASH=$(kubectl get pod "$STATIC" -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.mirror}')
sed -i 's/role: myrole/role: changed/' "$MANIFESTS/web.manifest"
eventually "a changed manifest replaces the pod" "^changed Running$" \
  kubectl get pod "$STATIC" -o jsonpath='{.metadata.labels.role} {.status.phase}'
expect "with a new hash" "^[0-9a-f]{32}$" bash -c "kubectl get pod $STATIC \
  -o jsonpath='{.metadata.annotations.kubernetes\.io/config\.mirror}' | grep -v '^$OLD_HASH$'"
rm "$MANIFESTS/web.manifest"
eventually "a removed manifest deletes the pod" "NotFound" kubectl get pod "$STATIC"

# kubectl exec runs as the container's process does: its workingDir and user.
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: whoami}
spec:
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000}
  containers:
  - {name: c, image: cube-test/busybox:1, workingDir: /tmp, command: ["sleep", "3600"]}
YAML
eventually "whoami runs" "^whoami +1/1 +Running " kubectl get pod whoami --no-headers
expect_eq "kubectl exec has the container's working dir and user" "/tmp 1000:3000" \
  kubectl exec whoami -- sh -c 'echo $(pwd) $(id -u):$(id -g)'
expect_eq "and so does kubectl exec -i" "/tmp 1000" \
  bash -c "echo 'echo \$(pwd) \$(id -u)' | kubectl exec -i whoami -- sh"
expect "delete whoami" "deleted" kubectl delete pod whoami --wait=false

# Workloads with real containers: a Job runs to completion, a Deployment's pods answer.
expect "kubectl create job" "job.batch/hello created" \
  kubectl create job hello --image=cube-test/busybox:1 -- sh -c 'echo job done'
eventually "the Job completes" "^hello +Complete +1/1 " kubectl get job hello --no-headers
expect_eq "its pod printed its line" "job done" \
  bash -c "cat $DATA/agent/crun-runtime/pods/default_hello-*/hello/0.log | sed 's/^[^ ]* std[a-z]* [FP] //'"
expect "kubectl create deployment" "deployment.apps/web created" \
  kubectl create deployment web --image=cube-test/http-echo:1 --replicas=2
eventually "both replicas are available" "^web +2/2 +2 +2 " kubectl get deployment web --no-headers
for ip in $(kubectl get pods -l app=web -o jsonpath='{.items[*].status.podIP}'); do
  expect "replica $ip answers with its own name" "^Welcome! web-" \
    curl -sS --max-time 2 "http://$ip:8080/cgi-bin/index.cgi"
done
# Seed 001's check from inside a pod, verbatim but for the address: exec curl to another pod.
WEB_POD=$(kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
OTHER_IP=$(kubectl get pods -l app=web -o jsonpath='{.items[1].status.podIP}')
OTHER_POD=$(kubectl get pods -l app=web -o jsonpath='{.items[1].metadata.name}')
expect "kubectl exec POD -- curl IP:8080 -s reaches the other replica" "^Welcome! $OTHER_POD$" \
  kubectl exec "$WEB_POD" -- curl "$OTHER_IP:8080" -s
expect "delete them" "deleted" kubectl delete deployment web
expect "delete the job" "deleted" kubectl delete job hello

# A restart of the server keeps the node and adopts what runs.
expect "a second pod" "pod/again created" \
  bash -c "sed 's/name: hello$/name: again/' '$E2E_DIR/pod.yaml' | kubectl create -f -"
eventually "it runs" "^again +1/1 +Running +0 " kubectl get pod again --no-headers
CID=$(kubectl get pod again -o jsonpath='{.status.containerStatuses[0].containerID}')
stop_pid "$CUBE_PID"
# With its node again: before the pod GC replaced the API server's grace deadline, a restart
# without the embedded agent went unnoticed here (the deadline removed the pod no agent deleted).
CUBE_EMBEDDED_AGENT=1 start_cluster
eventually "after a server restart the container is the same" "^$CID 0 true$" \
  kubectl get pod again -o jsonpath='{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}'
expect "kubectl delete pod again" 'pod "again" deleted' kubectl delete pod again --wait=true
finish

#!/bin/bash
# Real containers: one `cube agent --runtime=crun` node, pods of the busybox test images driven
# with the real kubectl — Running with an IP of the node's podCIDR (and answering on it), exit
# codes as Error/Completed, a hostPort, CrashLoopBackOff, ErrImagePull/ImagePullBackOff, ErrImageNeverPull,
# CreateContainerConfigError until a ConfigMap exists, the downward API, OOMKilled, an agent
# kill -9 + restart that leaves the running container alone and removes the sandbox of a pod
# deleted meanwhile, and deletion leaving no network namespace. Needs root and crun (skipped otherwise).
# The whole test runs in a network namespace of its own (own_netns.sh).
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

# On failure the agent's log says why (the temp dir goes at cleanup).
dump_agent_log() {
  [ "$E2E_FAILED" -gt 0 ] || return 0
  echo "--- agent log (tail) ---"; tail -40 "$E2E_DIR/agent-$NODE.log"
  echo "--- sleeper's events ---"
  kubectl get events --field-selector involvedObject.name=sleeper 2>&1 | tail -8
  echo "--- sandboxes left ---"
  cat "$DATA"/agent/crun-runtime/sandboxes/*/sandbox.json 2>/dev/null |
    sed 's/.*"podName":"\([^"]*\)".*"state":"\([^"]*\)".*/\1 \2/' | cut -c1-200
  if [ -n "${CUBE_E2E_KEEP_LOGS:-}" ]; then cp "$E2E_DIR"/*.log "$CUBE_E2E_KEEP_LOGS/"; fi
}
E2E_CLEANUP_HOOKS+=(dump_agent_log)

NODE=real-1
DATA=$(crun_data_dir "$NODE")
build_test_images
expect "import busybox into the node's store" "imported docker.io/cube-test/busybox:1" \
  "$CUBE_BIN" image import --data-dir "$DATA" "$IMAGES/busybox-oci.tar"
# The images directory is imported when the agent starts (air-gapped nodes).
mkdir -p "$DATA/agent/images" && cp "$IMAGES/http-echo-oci.tar" "$DATA/agent/images/"

start_cluster
start_crun_agent "$NODE" --restart-backoff 1
eventually "the node registers Ready" "^$NODE +Ready " kubectl get node "$NODE" --no-headers
expect "its runtime is crun" "crun://" \
  kubectl get node "$NODE" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}'
# A real node reports the host as the kubelet does: MemTotal, the CPUs, allocatable memory 100Mi
# less (the default hard eviction threshold).
MEMTOTAL=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
expect_eq "capacity memory is the host's MemTotal" "${MEMTOTAL}Ki" \
  kubectl get node "$NODE" -o jsonpath='{.status.capacity.memory}'
expect_eq "allocatable memory is 100Mi less" "$((MEMTOTAL - 102400))Ki" \
  kubectl get node "$NODE" -o jsonpath='{.status.allocatable.memory}'
expect_eq "capacity cpu is the host's CPUs" "$(nproc)" \
  kubectl get node "$NODE" -o jsonpath='{.status.capacity.cpu}'
eventually "the node gets a podCIDR" "^10\.[0-9]+\.[0-9]+\.0/24$" \
  kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}'
CIDR=$(kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}')
PREFIX=${CIDR%.0/24}
expect "the images directory was imported at start" "cube-test/http-echo +1 " \
  "$CUBE_BIN" image ls --data-dir "$DATA"

# pod NAME POLICY IMAGE COMMAND [EXTRA-CONTAINER-JSON]: creates a one-container pod on the node
# (COMMAND a JSON array, or "" for the image's); busybox ignores SIGTERM as PID 1, so the grace
# is 1 s.
pod() {
  local name=$1 policy=$2 image=$3 command=$4 extra=${5:-}
  [ -n "$command" ] && command=", \"command\": $command"
  kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "$name"},
 "spec": {"nodeName": "$NODE", "restartPolicy": "$policy", "terminationGracePeriodSeconds": 1,
          "containers": [{"name": "c", "image": "$image" $command $extra}]}}
YAML
}
# in_pod_netns SANDBOX CMD...: runs CMD in a pod's network namespace.
in_pod_netns() { local sb=$1; shift; nsenter --net="/run/cube/netns/$sb" "$@"; }
row() { kubectl get pod "$1" --no-headers; }
field() { kubectl get pod "$1" -o jsonpath="$2"; }

# --- a long-running pod -----------------------------------------------------------------------
pod sleeper Always cube-test/busybox:1 '["sleep", "3600"]'
eventually "sleeper is Running 1/1" "^sleeper +1/1 +Running +0 " row sleeper
IP=$(field sleeper '{.status.podIP}')
expect_eq "its podIP is in the node's podCIDR" "$PREFIX" echo "${IP%.*}"
expect "containerID is crun's" "^crun://[0-9a-f]{32}$" field sleeper '{.status.containerStatuses[0].containerID}'
expect "imageID is the image's digest" "sha256:[0-9a-f]{64}" field sleeper '{.status.containerStatuses[0].imageID}'
SLEEPER_ID=$(field sleeper '{.status.containerStatuses[0].containerID}')
SLEEPER_UID=$(field sleeper '{.metadata.uid}')
SLEEPER_SANDBOX=$(crun_sandbox_of "$SLEEPER_UID" "$NODE")
expect "its network namespace has the podIP on eth0" "inet $IP/24" \
  in_pod_netns "$SLEEPER_SANDBOX" ip -4 addr show eth0

# The http-echo image (imported from the images directory) with its own entrypoint, reached
# over the node's bridge.
pod echo Always cube-test/http-echo:1 ""
eventually "echo is Running 1/1" "^echo +1/1 +Running +0 " row echo
ECHO_IP=$(field echo '{.status.podIP}')
expect_eq "two pods, two IPs" "different" bash -c "[ '$ECHO_IP' != '$IP' ] && echo different"
eventually "echo answers on its podIP" "^Welcome! echo" \
  curl -sS --max-time 2 "http://$ECHO_IP:8080/cgi-bin/index.cgi"

# hostPort: the node's addresses (here the bridge's, the pods' gateway) forward to the pod.
pod published Always cube-test/http-echo:1 "" \
  ', "ports": [{"containerPort": 8080, "hostPort": 18080}]'
eventually "published is Running 1/1" "^published +1/1 +Running +0 " row published
GATEWAY="${PREFIX}.1"
eventually "its hostPort answers on the node's address" "^Welcome! published" \
  curl -sS --max-time 2 "http://$GATEWAY:18080/cgi-bin/index.cgi"
HOSTPORTS_TABLE="cube_hostports_${CRUN_BRIDGE:-cubet$$}"
expect "as an nftables DNAT rule of the node's own table" "dport 18080 dnat to" \
  nft list table ip "$HOSTPORTS_TABLE"
expect "delete published" 'pod "published" deleted' kubectl delete pod published --wait=true
eventually "its rule goes with it (and the table, the last one)" "No such file|does not exist" \
  nft list table ip "$HOSTPORTS_TABLE"

# --- exits ------------------------------------------------------------------------------------
pod exit3 Never cube-test/busybox:1 '["sh", "-c", "exit 3"]'
pod exit0 Never cube-test/busybox:1 '["sh", "-c", "exit 0"]'
pod crash Always cube-test/busybox:1 '["sh", "-c", "exit 1"]'
eventually "exit 3 with restartPolicy Never is Error" "^exit3 +0/1 +Error +0 " row exit3
expect_eq "its exit code is 3" "3" field exit3 '{.status.containerStatuses[0].state.terminated.exitCode}'
expect_eq "the pod Failed" "Failed" field exit3 '{.status.phase}'
eventually "exit 0 is Completed" "^exit0 +0/1 +Completed +0 " row exit0
expect_eq "the pod Succeeded" "Succeeded" field exit0 '{.status.phase}'
eventually "restartPolicy Always + exit 1 restarts: CrashLoopBackOff" \
  "^crash +0/1 +CrashLoopBackOff +[2-9]" row crash
eventually "the crash loop's events" "Back-off restarting failed container c" \
  kubectl get events --field-selector involvedObject.name=crash

# --- images -----------------------------------------------------------------------------------
pod noimage Always cube-test/nope:1 '["sh"]'
eventually "an image not on the node: ErrImagePull" "^noimage +0/1 +(ErrImagePull|ImagePullBackOff) " row noimage
eventually "then ImagePullBackOff" "^noimage +0/1 +ImagePullBackOff " row noimage
eventually "the pull events" 'Back-off pulling image "cube-test/nope:1"' \
  kubectl get events --field-selector involvedObject.name=noimage
pod neverpull Always cube-test/nope:1 '["sh"]' ', "imagePullPolicy": "Never"'
eventually "imagePullPolicy Never without the image: ErrImageNeverPull" \
  "^neverpull +0/1 +ErrImageNeverPull " row neverpull

# --- environment ------------------------------------------------------------------------------
pod envpod Always cube-test/busybox:1 '["sh", "-c", "echo ip=$MY_IP name=$MY_NAME node=$MY_NODE cfg=$CFG mem=$MEM; sleep 3600"]' \
  ', "resources": {"limits": {"memory": "64Mi"}}, "env": [
    {"name": "MY_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
    {"name": "MY_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    {"name": "MY_NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
    {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
    {"name": "CFG", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}]'
eventually "a missing ConfigMap: CreateContainerConfigError" "^envpod +0/1 +CreateContainerConfigError " row envpod
expect_eq "with the kubelet's message" 'configmap "cfg" not found' \
  field envpod '{.status.containerStatuses[0].state.waiting.message}'
kubectl create configmap cfg --from-literal=k=from-cfg >/dev/null
eventually "once it exists the container runs" "^envpod +1/1 +Running " row envpod
ENV_IP=$(field envpod '{.status.podIP}')
ENV_UID=$(field envpod '{.metadata.uid}')
eventually "the downward API and the ConfigMap reach the container" \
  "(^| stdout F )ip=$ENV_IP name=envpod node=$NODE cfg=from-cfg mem=64$" \
  cat "$DATA/agent/crun-runtime/pods/default_envpod_$ENV_UID/c/0.log"

# --- memory limit -----------------------------------------------------------------------------
pod hog Never cube-test/busybox:1 \
  '["sh", "-c", "a=$(head -c 100000000 /dev/zero | tr \"\\\\0\" x); echo survived"]' \
  ', "resources": {"limits": {"memory": "16Mi"}}'
eventually "a memory hog over 16Mi is OOMKilled" "^hog +0/1 +OOMKilled " row hog
expect_eq "exit code 137" "137" field hog '{.status.containerStatuses[0].state.terminated.exitCode}'

# --- agent kill -9 and restart ----------------------------------------------------------------
HOG_UID=$(field hog '{.metadata.uid}')
kill -9 "$LAST_AGENT_PID"
wait "$LAST_AGENT_PID" 2>/dev/null
# A pod deleted while its node is down leaves a sandbox nobody asks about.
expect "force-delete hog while the agent is down" "deleted" \
  kubectl delete pod hog --grace-period=0 --force
start_crun_agent "$NODE" --restart-backoff 1
eventually "the restarted agent reports the node" "^$NODE +Ready " kubectl get node "$NODE" --no-headers
eventually "its housekeeping removes the sandbox of the pod deleted meanwhile" "^$" \
  crun_sandbox_of "$HOG_UID" "$NODE"
eventually "the restarted agent adopts sleeper's sandbox" "adopted sandbox $SLEEPER_SANDBOX" \
  cat "$E2E_DIR/agent-$NODE.log"
expect "sleeper still Running without a restart" "^sleeper +1/1 +Running +0 " row sleeper
expect_eq "with the same container" "$SLEEPER_ID" field sleeper '{.status.containerStatuses[0].containerID}'
expect_eq "and the same IP" "$IP" field sleeper '{.status.podIP}'
expect "its network namespace is untouched" "inet $IP/24" \
  in_pod_netns "$SLEEPER_SANDBOX" ip -4 addr show eth0
expect "echo still answers" "^Welcome! echo" \
  curl -sS --max-time 2 "http://$ECHO_IP:8080/cgi-bin/index.cgi"

# --- deletion ---------------------------------------------------------------------------------
expect "delete sleeper" 'pod "sleeper" deleted' kubectl delete pod sleeper --wait=true --timeout=30s
expect_fail "it is gone" "NotFound" kubectl get pod sleeper
# The server removes a pod whose grace period has ended without waiting for the node; the agent
# finishes its teardown just after.
eventually "its network namespace is gone" "^gone$" \
  bash -c "[ -e '/run/cube/netns/$SLEEPER_SANDBOX' ] || echo gone"
eventually "its sandbox record is gone" "^$" crun_sandbox_of "$SLEEPER_UID" "$NODE"
expect "delete the others" "deleted" kubectl delete pod --all --wait=true --timeout=60s
eventually "no sandbox left on the node" "^0$" \
  bash -c "ls '$DATA/agent/crun-runtime/sandboxes' 2>/dev/null | wc -l"
eventually "no container mounts left" "^0$" \
  bash -c "awk -v d='$DATA/' 'index(\$5, d) == 1' /proc/self/mountinfo | wc -l"
finish

#!/bin/bash
# Probes and lifecycle on a real node (`cube agent --runtime=crun`), driven with the real
# kubectl: seed 001's liveness exec example (RESTARTS grows, Unhealthy and Killing events),
# httpGet liveness against the http-echo image (a passing path keeps it, a failing one restarts
# it), tcpSocket readiness (READY 0/1 then 1/1), a startup probe holding liveness, postStart and
# preStop hooks, terminationMessagePath and FallbackToLogsOnError, init containers in order and
# failing. Needs root and crun (skipped otherwise); runs in a network namespace of its own.
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

E2E_CLEANUP_HOOKS+=(dump_node_logs)

# A listener on loopback for the preStop httpGet hook (the agent connects from the node).
HOOK_PORT=18089
stop_hook_server() { [ -n "${HOOK_PID:-}" ] && kill "$HOOK_PID" 2>/dev/null; return 0; }
E2E_CLEANUP_HOOKS+=(stop_hook_server)

NODE=probes-1
DATA=$(crun_data_dir "$NODE")
import_test_images "$DATA" busybox-oci.tar http-echo-oci.tar

start_cluster
start_crun_agent "$NODE" --restart-backoff 1
eventually "the node registers Ready" "^$NODE +Ready " kubectl get node "$NODE" --no-headers

# apply_pod NAME JSON-SPEC-MEMBERS: a pod on the node with terminationGracePeriodSeconds 1
# (busybox as PID 1 ignores SIGTERM).
apply_pod() {
  kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "$1"},
 "spec": {"nodeName": "$NODE", "terminationGracePeriodSeconds": 1, $2}}
YAML
}
row() { kubectl get pod "$1" --no-headers; }
field() { kubectl get pod "$1" -o jsonpath="$2"; }
events_of() { kubectl get events --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.type} {.reason} {.message}{"\n"}{end}'; }
pod_log() { cat "$DATA/agent/crun-runtime/pods/default_$1_$(field "$1" '{.metadata.uid}')/$2/0.log"; }
BB=cube-test/busybox:1

# --- liveness exec (seed 001, shorter times) ---------------------------------------------------
apply_pod liveness-exec '"containers": [{"name": "liveness", "image": "'$BB'",
  "args": ["/bin/sh", "-c", "touch /tmp/healthy; sleep 4; rm -f /tmp/healthy; sleep 600"],
  "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]},
                    "initialDelaySeconds": 1, "periodSeconds": 1, "failureThreshold": 2}}]'
eventually "liveness-exec runs 1/1" "^liveness-exec +1/1 +Running +0 " row liveness-exec
eventually "once /tmp/healthy is gone: restarted" "^liveness-exec +1/1 +Running +[1-9]" row liveness-exec
expect "the Unhealthy event with cat's words" \
  "Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory" \
  events_of liveness-exec
expect "the Killing event" "Normal Killing Container liveness failed liveness probe, will be restarted" \
  events_of liveness-exec
expect_eq "lastState: killed after its grace (137)" "137" \
  field liveness-exec '{.status.containerStatuses[0].lastState.terminated.exitCode}'
eventually_for 60 "and again: RESTARTS grows" "^liveness-exec +1/1 +Running +([2-9]|[1-9][0-9])" row liveness-exec

# --- httpGet liveness against http-echo ----------------------------------------------------------
apply_pod http-ok '"containers": [{"name": "web", "image": "cube-test/http-echo:1",
  "ports": [{"name": "http", "containerPort": 8080}],
  "livenessProbe": {"httpGet": {"path": "/cgi-bin/index.cgi", "port": "http",
                                "httpHeaders": [{"name": "X-Probe", "value": "cube"}]},
                    "periodSeconds": 1, "failureThreshold": 1}}]'
apply_pod http-bad '"containers": [{"name": "web", "image": "cube-test/http-echo:1",
  "livenessProbe": {"httpGet": {"path": "/nope", "port": 8080},
                    "initialDelaySeconds": 1, "periodSeconds": 1, "failureThreshold": 2}}]'
eventually "http-ok runs 1/1" "^http-ok +1/1 +Running +0 " row http-ok
eventually "a liveness path answering 404 restarts the container" "^http-bad +[01]/1 +[A-Za-z]+ +[1-9]" row http-bad
expect "with the kubelet's message" "Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 404" \
  events_of http-bad
sleep 3  # several passing probes (period 1 s, failureThreshold 1) — checked below, not timed
expect "a passing httpGet liveness keeps it (RESTARTS 0)" "^http-ok +1/1 +Running +0 " row http-ok
UNHEALTHY=$(events_of http-ok | grep -c Unhealthy)
expect_eq "and records no Unhealthy event" "0" echo "$UNHEALTHY"

# --- tcpSocket readiness -----------------------------------------------------------------------
apply_pod tcp-ready '"containers": [{"name": "srv", "image": "'$BB'",
  "command": ["sh", "-c", "sleep 4; mkdir -p /tmp/www; exec httpd -f -p 8081 -h /tmp/www"],
  "readinessProbe": {"tcpSocket": {"port": 8081}, "periodSeconds": 1}}]'
eventually "tcp-ready runs but is not ready: 0/1" "^tcp-ready +0/1 +Running +0 " row tcp-ready
expect_eq "Ready condition False" "False" field tcp-ready '{.status.conditions[?(@.type=="Ready")].status}'
eventually "once the port listens: 1/1" "^tcp-ready +1/1 +Running +0 " row tcp-ready
expect_eq "Ready condition True" "True" field tcp-ready '{.status.conditions[?(@.type=="Ready")].status}'

# --- startup probe holding liveness ------------------------------------------------------------
apply_pod slow-start '"containers": [{"name": "app", "image": "'$BB'",
  "command": ["sh", "-c", "sleep 6; touch /tmp/started; sleep 600"],
  "startupProbe": {"exec": {"command": ["cat", "/tmp/started"]}, "periodSeconds": 1, "failureThreshold": 30},
  "livenessProbe": {"exec": {"command": ["cat", "/tmp/started"]}, "periodSeconds": 1, "failureThreshold": 1}}]'
eventually "slow-start runs, not started yet" "^false 0$" \
  field slow-start '{.status.containerStatuses[0].started} {.status.containerStatuses[0].restartCount}'
expect "READY 0/1 meanwhile" "^slow-start +0/1 +Running +0 " row slow-start
eventually "started once the startup probe passes" "^true 0$" \
  field slow-start '{.status.containerStatuses[0].started} {.status.containerStatuses[0].restartCount}'
expect "ready, and liveness never killed it" "^slow-start +1/1 +Running +0 " row slow-start

# --- postStart and preStop ---------------------------------------------------------------------
mkdir -p "$E2E_DIR/hook-www"
echo ok >"$E2E_DIR/hook-www/prestop"
busybox httpd -f -vv -p "127.0.0.1:$HOOK_PORT" -h "$E2E_DIR/hook-www" 2>"$E2E_DIR/hook.log" &
HOOK_PID=$!
apply_pod hooks '"containers": [{"name": "app", "image": "'$BB'",
  "command": ["sh", "-c", "while [ ! -f /tmp/post ]; do sleep 0.2; done; cat /tmp/post; sleep 600"],
  "lifecycle": {"postStart": {"exec": {"command": ["sh", "-c", "echo post-start-ran > /tmp/post"]}},
                "preStop": {"httpGet": {"host": "127.0.0.1", "port": '$HOOK_PORT', "path": "/prestop"}}}}]'
eventually "hooks runs" "^hooks +1/1 +Running " row hooks
eventually "the container saw the file its postStart hook wrote" "post-start-ran" pod_log hooks app
kubectl delete pod hooks --wait=false >/dev/null
eventually "preStop called the hook server on deletion" "url:/prestop" cat "$E2E_DIR/hook.log"
eventually "then the pod is gone" "NotFound" kubectl get pod hooks

apply_pod bad-poststart '"restartPolicy": "Never", "containers": [{"name": "app", "image": "'$BB'",
  "command": ["sleep", "600"], "lifecycle": {"postStart": {"exec": {"command": ["sh", "-c", "exit 7"]}}}}]'
eventually "a failing postStart: FailedPostStartHook" \
  "Warning FailedPostStartHook Exec lifecycle hook \(\[sh -c exit 7\]\) for Container \"app\" in Pod \"bad-poststart_default\(.*\)\" failed - error: command 'sh -c exit 7' exited with 7" \
  events_of bad-poststart
eventually "and the container is killed" "^bad-poststart +0/1 +Error " row bad-poststart

# --- termination messages ----------------------------------------------------------------------
apply_pod term-msg '"restartPolicy": "Never", "containers": [{"name": "app", "image": "'$BB'",
  "command": ["sh", "-c", "echo -n disk full > /dev/termination-log; exit 3"]}]'
apply_pod term-custom '"restartPolicy": "Always", "containers": [{"name": "app", "image": "'$BB'",
  "terminationMessagePath": "/tmp/why",
  "command": ["sh", "-c", "echo -n bye from $(hostname) > /tmp/why; exit 1"]}]'
apply_pod term-logs '"restartPolicy": "Never", "containers": [{"name": "app", "image": "'$BB'",
  "terminationMessagePolicy": "FallbackToLogsOnError",
  "command": ["sh", "-c", "echo first; echo last words; exit 4"]}]'
eventually "term-msg ends in Error" "^term-msg +0/1 +Error " row term-msg
expect_eq "its state.terminated.message is the file's" "disk full" \
  field term-msg '{.status.containerStatuses[0].state.terminated.message}'
eventually "a custom path, restarted: lastState.terminated.message" "^bye from term-custom$" \
  field term-custom '{.status.containerStatuses[0].lastState.terminated.message}'
eventually "term-logs ends in Error" "^term-logs +0/1 +Error " row term-logs
expect_eq "FallbackToLogsOnError: the log's end" "$(printf 'first\nlast words')" \
  field term-logs '{.status.containerStatuses[0].state.terminated.message}'

# --- init containers ---------------------------------------------------------------------------
apply_pod init-ok '"initContainers": [
    {"name": "first", "image": "'$BB'", "command": ["sleep", "3"]},
    {"name": "second", "image": "'$BB'", "command": ["sleep", "3"]}],
  "containers": [{"name": "app", "image": "'$BB'", "command": ["sleep", "600"]}]'
eventually "init-ok: Init:0/2 while the first runs" "^init-ok +0/1 +Init:0/2 " row init-ok
expect_eq "the app waits: PodInitializing" "PodInitializing" \
  field init-ok '{.status.containerStatuses[0].state.waiting.reason}'
eventually "Init:1/2 while the second runs" "^init-ok +0/1 +Init:1/2 " row init-ok
eventually "then the app runs" "^init-ok +1/1 +Running +0 " row init-ok
expect_eq "the init containers ran in order" "first second" bash -c \
  "kubectl get pod init-ok -o jsonpath='{range .status.initContainerStatuses[*]}{.state.terminated.finishedAt} {.name}{\"\\n\"}{end}' | sort | awk '{print \$2}' | xargs"
expect_eq "each Completed" "Completed Completed" \
  field init-ok '{.status.initContainerStatuses[0].state.terminated.reason} {.status.initContainerStatuses[1].state.terminated.reason}'

apply_pod init-never '"restartPolicy": "Never", "initContainers": [
    {"name": "fails", "image": "'$BB'", "command": ["sh", "-c", "exit 2"]}],
  "containers": [{"name": "app", "image": "'$BB'", "command": ["sleep", "600"]}]'
eventually "a failing init container under Never: Init:Error" "^init-never +0/1 +Init:Error " row init-never
expect_eq "the pod Failed" "Failed" field init-never '{.status.phase}'

apply_pod init-loop '"initContainers": [
    {"name": "fails", "image": "'$BB'", "command": ["sh", "-c", "exit 2"]}],
  "containers": [{"name": "app", "image": "'$BB'", "command": ["sleep", "600"]}]'
eventually "under Always it is retried: Init:CrashLoopBackOff" "^init-loop +0/1 +Init:CrashLoopBackOff +[1-9]" row init-loop
expect_eq "Pending meanwhile" "Pending" field init-loop '{.status.phase}'

kubectl delete pod --all --wait=false >/dev/null
eventually "every pod is gone" "No resources found" kubectl get pods
finish

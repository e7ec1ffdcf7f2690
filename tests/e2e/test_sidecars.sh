#!/bin/bash
# Sidecar containers (init containers with restartPolicy Always) on a real node (`cube agent
# --runtime=crun`), driven with the real kubectl: the API's validation in Kubernetes' words; a
# sidecar starts in init order and the next init container runs beside it (and reaches it over
# the pod's network); READY counts it (kubectl 1.32: 1/2, 2/2) and its readiness; it is
# restarted under restartPolicy Never; a Job-style pod (and a Job) completes when its app
# container finishes, the sidecar being stopped; on deletion the sidecar gets SIGTERM only after
# the app container has exited. Also an HTTPS probe against a plain HTTP server, with the
# kubelet's message. Needs root and crun (skipped otherwise); runs in its own network namespace.
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

E2E_CLEANUP_HOOKS+=(dump_node_logs)

NODE=sidecars-1
DATA=$(crun_data_dir "$NODE")
import_test_images "$DATA" busybox-oci.tar

start_cluster
start_crun_agent "$NODE" --restart-backoff 1
eventually "the node registers Ready" "^$NODE +Ready " kubectl get node "$NODE" --no-headers

BB=cube-test/busybox:1
# pod_json NAME JSON-SPEC-MEMBERS: a pod on the node with terminationGracePeriodSeconds 1
# unless the members set it (busybox as PID 1 ignores SIGTERM).
pod_json() {
  echo '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "'"$1"'"},
   "spec": {"nodeName": "'"$NODE"'", '"$2"'}}'
}
apply_pod() { pod_json "$1" "\"terminationGracePeriodSeconds\": 1, $2" | kubectl apply -f - >/dev/null; }
row() { kubectl get pod "$1" --no-headers; }
field() { kubectl get pod "$1" -o jsonpath="$2"; }
events_of() { kubectl get events --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.type} {.reason} {.message}{"\n"}{end}'; }

# --- validation: restartPolicy only on init containers, only Always ----------------------------
pod_json bad '"initContainers": [{"name": "s", "image": "'$BB'", "restartPolicy": "Never"}],
  "containers": [{"name": "a", "image": "'$BB'"}]' >"$E2E_DIR/bad-init-policy.json"
pod_json bad '"containers": [{"name": "a", "image": "'$BB'", "restartPolicy": "Always"}]' \
  >"$E2E_DIR/bad-app-policy.json"
pod_json bad '"initContainers": [{"name": "i", "image": "'$BB'", "readinessProbe": {"exec": {"command": ["true"]}}}],
  "containers": [{"name": "a", "image": "'$BB'"}]' >"$E2E_DIR/bad-init-probe.json"
pod_json good '"initContainers": [{"name": "s", "image": "'$BB'", "restartPolicy": "Always",
    "readinessProbe": {"exec": {"command": ["true"]}}, "lifecycle": {"preStop": {"exec": {"command": ["true"]}}}}],
  "containers": [{"name": "a", "image": "'$BB'"}]' >"$E2E_DIR/good-sidecar.json"
expect_fail "an init container's restartPolicy other than Always is refused" \
  'spec.initContainers\[0\].restartPolicy: Unsupported value: "Never": supported values: "Always"' \
  kubectl apply -f "$E2E_DIR/bad-init-policy.json"
expect_fail "restartPolicy on an app container is refused" \
  'spec.containers\[0\].restartPolicy: Forbidden: may not be set for non-init containers' \
  kubectl apply -f "$E2E_DIR/bad-app-policy.json"
expect_fail "probes on a regular init container are refused" \
  'spec.initContainers\[0\].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always' \
  kubectl apply -f "$E2E_DIR/bad-init-probe.json"
expect "a sidecar with probes and hooks is accepted (server-side dry run)" "pod/good created \(server dry run\)" \
  kubectl apply --dry-run=server -f "$E2E_DIR/good-sidecar.json"

# --- a web sidecar the next init container and the app rely on -------------------------------
# The sidecar serves /ok once its startup probe sees it; "wait-web" fetches it (the pod's
# network, so the sidecar must run beside it), then takes 4 s. The sidecar's readiness follows
# a file the app makes in a shared emptyDir after 3 s; an HTTPS readiness probe on the app
# against the sidecar's plain HTTP server fails with the kubelet's words.
apply_pod sc-web '"volumes": [{"name": "shared", "emptyDir": {}}],
  "initContainers": [
    {"name": "web", "image": "'$BB'", "restartPolicy": "Always",
     "command": ["sh", "-c", "mkdir -p /www; echo ok > /www/ok; exec httpd -f -p 8080 -h /www"],
     "volumeMounts": [{"name": "shared", "mountPath": "/shared"}],
     "startupProbe": {"httpGet": {"path": "/ok", "port": 8080}, "periodSeconds": 1, "failureThreshold": 30},
     "readinessProbe": {"exec": {"command": ["cat", "/shared/ready"]}, "periodSeconds": 1}},
    {"name": "wait-web", "image": "'$BB'",
     "command": ["sh", "-c", "wget -q -O- http://127.0.0.1:8080/ok && sleep 4"]}],
  "containers": [
    {"name": "app", "image": "'$BB'", "command": ["sh", "-c", "sleep 3; touch /shared/ready; sleep 600"],
     "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]},
    {"name": "tls-client", "image": "'$BB'", "command": ["sleep", "600"],
     "readinessProbe": {"httpGet": {"path": "/ok", "port": 8080, "scheme": "HTTPS"}, "periodSeconds": 1}}]'
eventually "while wait-web runs: Init:1/2, the sidecar not ready yet (0/3)" "^sc-web +0/3 +Init:1/2 +0 " row sc-web
expect "the sidecar runs and is started" '^true \{"running"' \
  field sc-web '{.status.initContainerStatuses[0].started} {.status.initContainerStatuses[0].state}'
expect_eq "Initialized is False until wait-web completes" "False containers with incomplete status: [wait-web]" \
  field sc-web '{.status.conditions[?(@.type=="Initialized")].status} {.status.conditions[?(@.type=="Initialized")].message}'
eventually "then the app runs; the sidecar counts in READY (1/3: only the app is ready)" "^sc-web +1/3 +Running +0 " row sc-web
expect_eq "wait-web reached the sidecar and completed" "Completed 0" \
  field sc-web '{.status.initContainerStatuses[1].state.terminated.reason} {.status.initContainerStatuses[1].state.terminated.exitCode}'
eventually "once the app made the file the sidecar is ready: 2/3" "^sc-web +2/3 +Running +0 " row sc-web
expect_eq "initContainerStatuses: started, ready, no restarts" "true true 0" \
  field sc-web '{.status.initContainerStatuses[0].started} {.status.initContainerStatuses[0].ready} {.status.initContainerStatuses[0].restartCount}'
expect_eq "Ready is False for the HTTPS-probed container only" "False containers with unready status: [tls-client]" \
  field sc-web '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].message}'
expect "the HTTPS probe's event: a plain HTTP server, as the kubelet says" \
  'Warning Unhealthy Readiness probe failed: Get "https://[0-9.]+:8080/ok": http: server gave HTTP response to HTTPS client' \
  events_of sc-web

# --- restarted under restartPolicy Never ------------------------------------------------------
apply_pod sc-restart '"restartPolicy": "Never",
  "initContainers": [{"name": "flaky", "image": "'$BB'", "restartPolicy": "Always",
                      "command": ["sh", "-c", "sleep 2; exit 1"]}],
  "containers": [{"name": "app", "image": "'$BB'", "command": ["sleep", "600"]}]'
# STATUS is Init:CrashLoopBackOff while it waits out its back-off, as kubectl prints it.
eventually "a sidecar that exits is restarted even under Never (RESTARTS counts it)" \
  "^sc-restart +[12]/2 +(Running|Init:CrashLoopBackOff) +[1-9]" row sc-restart
expect_eq "its lastState is the exit" "1" \
  field sc-restart '{.status.initContainerStatuses[0].lastState.terminated.exitCode}'
expect_eq "the pod stays Running" "Running" field sc-restart '{.status.phase}'

# --- a Job-style pod completes; the sidecar is stopped ------------------------------------------
apply_pod sc-done '"restartPolicy": "Never",
  "initContainers": [{"name": "sidecar", "image": "'$BB'", "restartPolicy": "Always", "command": ["sleep", "600"]}],
  "containers": [{"name": "app", "image": "'$BB'", "command": ["sh", "-c", "sleep 2"]}]'
eventually "when the app finishes the pod completes: 0/2 Completed" "^sc-done +0/2 +Completed +0 " row sc-done
expect_eq "Succeeded" "Succeeded" field sc-done '{.status.phase}'
expect "the sidecar was stopped" "Normal Killing Stopping container sidecar" events_of sc-done
expect_eq "killed after the 2 s minimum grace (it ignores SIGTERM): 137, not restarted" "137 0" \
  field sc-done '{.status.initContainerStatuses[0].state.terminated.exitCode} {.status.initContainerStatuses[0].restartCount}'

kubectl apply -f - >/dev/null <<'YAML'
{"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "sc-job"},
 "spec": {"template": {"spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
   "initContainers": [{"name": "log-shipper", "image": "cube-test/busybox:1", "restartPolicy": "Always",
                       "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"]}],
   "containers": [{"name": "main", "image": "cube-test/busybox:1", "command": ["sh", "-c", "echo done"]}]}}}}
YAML
eventually "a Job with a sidecar completes" "^1$" kubectl get job sc-job -o jsonpath='{.status.succeeded}'
JOB_POD=$(kubectl get pods -l job-name=sc-job -o jsonpath='{.items[0].metadata.name}')
expect_eq "its pod Succeeded; the sidecar ended on SIGTERM (0)" "Succeeded 0" \
  field "$JOB_POD" '{.status.phase} {.status.initContainerStatuses[0].state.terminated.exitCode}'

# --- termination order: the app first, then the sidecar -----------------------------------------
mkdir -p "$E2E_DIR/order"
apply_pod_grace() { pod_json "$1" "$2" | kubectl apply -f - >/dev/null; }
apply_pod_grace sc-order '"terminationGracePeriodSeconds": 20,
  "volumes": [{"name": "out", "hostPath": {"path": "'"$E2E_DIR/order"'"}}],
  "initContainers": [{"name": "sidecar", "image": "'$BB'", "restartPolicy": "Always",
    "command": ["sh", "-c", "trap \"echo sidecar-term >> /out/order; exit 0\" TERM; while true; do sleep 0.2; done"],
    "volumeMounts": [{"name": "out", "mountPath": "/out"}]}],
  "containers": [{"name": "app", "image": "'$BB'",
    "command": ["sh", "-c", "trap \"echo app-term >> /out/order; sleep 2; echo app-exit >> /out/order; exit 0\" TERM; echo app-up >> /out/order; while true; do sleep 0.2; done"],
    "volumeMounts": [{"name": "out", "mountPath": "/out"}]}]'
eventually "sc-order runs 2/2" "^sc-order +2/2 +Running +0 " row sc-order
eventually "the app is up" "app-up" cat "$E2E_DIR/order/order"
kubectl delete pod sc-order --wait=false >/dev/null
eventually "then the pod is gone" "NotFound" kubectl get pod sc-order
expect_eq "the sidecar got SIGTERM only after the app had exited" "app-up app-term app-exit sidecar-term" \
  bash -c "xargs <'$E2E_DIR/order/order'"

kubectl delete job sc-job >/dev/null 2>&1
kubectl delete pod --all --wait=false >/dev/null
eventually "every pod is gone" "No resources found" kubectl get pods
finish

#!/usr/bin/env bash
# Hollow nodes: `cube agent --runtime=fake --count 3` joins a server; kubectl sees three Ready
# nodes with their wide columns and their Leases; a pod bound by hand runs on its node with an IP
# and is deleted promptly; a pod told to exit 0 with restartPolicy Never completes.
source "$(dirname "$0")/lib.sh"


start_cluster
start_agent hollow --count 3 --node-name-prefix hollow- --fake-start-delay 0.2 --lease-renew-interval 2
AGENT_PID=$LAST_AGENT_PID

expect_fail "unknown runtime refused" "unknown --runtime=docker: use crun or fake" \
  "$CUBE_BIN" agent --runtime=docker --node-name x --server "$CUBE_URL"

eventually "3 Ready nodes" "^3$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"
expect "wide columns" "hollow-1 +Ready +<none> +[0-9a-z]+ +v1\.32\.0-cube +127\.1\.0\.2 +<none> +cube hollow node +[^ ]+ +fake://0\.1\.0" \
  kubectl get nodes -o wide
expect_eq "capacity = allocatable" "4/8Gi/110 4/8Gi/110" kubectl get node hollow-0 -o \
  jsonpath='{.status.capacity.cpu}/{.status.capacity.memory}/{.status.capacity.pods} {.status.allocatable.cpu}/{.status.allocatable.memory}/{.status.allocatable.pods}'
eventually "leases in kube-node-lease" "hollow-0 +hollow-0.*hollow-1 +hollow-1.*hollow-2 +hollow-2" \
  bash -c "kubectl get leases -n kube-node-lease --no-headers | tr '\n' ' '"
expect_eq "lease duration" "40" \
  kubectl get lease hollow-2 -n kube-node-lease -o jsonpath='{.spec.leaseDurationSeconds}'

# A scheduler nobody runs, so only our binding places the pod.
kubectl run web --image=nginx --overrides='{"spec":{"schedulerName":"e2e-manual"}}' >/dev/null
expect "binding" '"code":201' api -X POST -H 'Content-Type: application/json' \
  "$CUBE_URL/api/v1/namespaces/default/pods/web/binding" \
  -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web"},"target":{"apiVersion":"v1","kind":"Node","name":"hollow-1"}}'
eventually "pod Running on hollow-1 with an IP" "web +1/1 +Running +0 +[0-9a-z]+ +10\.42\.[0-9]+\.[0-9]+ +hollow-1" \
  kubectl get pod web -o wide --no-headers
expect_eq "Ready condition" "True" \
  kubectl get pod web -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
expect_eq "hostIP" "127.1.0.2" kubectl get pod web -o jsonpath='{.status.hostIP}'
expect "containerID" "^fake://" kubectl get pod web -o jsonpath='{.status.containerStatuses[0].containerID}'
eventually "describe pod: Pulled" 'Normal +Pulled +.*kubelet.* Container image "nginx" already present on machine' \
  kubectl describe pod web
eventually "describe pod: Created" "Normal +Created +.*kubelet.* Created container: web" kubectl describe pod web
eventually "describe pod: Started" "Normal +Started +.*kubelet.* Started container web" kubectl describe pod web
expect_eq "kubelet events come from the pod's node" "kubelet hollow-1" kubectl get events \
  --field-selector involvedObject.name=web,reason=Started -o jsonpath='{.items[0].source.component} {.items[0].source.host}'
eventually "describe node: Starting" "Normal +Starting .* Starting kubelet\." kubectl describe node hollow-0

# The default grace is 30 s, so a delete that finishes within kubectl's 20 s timeout was
# confirmed by the agent (stop, then delete with grace 0), not ended by the server's clock.
expect "delete completes before the grace ends" 'pod "web" deleted' kubectl delete pod web --timeout=20s
expect_fail "pod gone" "NotFound|not found" kubectl get pod web
eventually "Killing event outlives the pod" "Normal +Killing +pod/web +Stopping container web" \
  kubectl get events --field-selector involvedObject.name=web

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: once
  annotations: {cube.dev/fake-exit-code: "0", cube.dev/fake-run-seconds: "1"}
spec:
  nodeName: hollow-2
  restartPolicy: Never
  containers: [{name: main, image: busybox}]
YAML
eventually "exit 0 + Never completes" "once +0/1 +Completed +0" kubectl get pod once --no-headers
expect_eq "phase Succeeded" "Succeeded" kubectl get pod once -o jsonpath='{.status.phase}'

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  nodeName: hollow-0
  containers:
  - name: main
    image: busybox
    env: [{name: CUBE_FAKE_EXIT_CODE, value: "1"}]
YAML
eventually "failing container crash-loops" "crash +0/1 +CrashLoopBackOff +1 " kubectl get pod crash --no-headers
eventually "describe pod: BackOff" "Warning +BackOff .* Back-off restarting failed container main in pod crash_default\(" \
  kubectl describe pod crash

if kill -0 "$AGENT_PID" 2>/dev/null; then pass "agent still running"; else
  fail "agent still running" "$(tail -20 "$E2E_DIR/agent-hollow.log")"; fi
stop_pid "$AGENT_PID"
finish

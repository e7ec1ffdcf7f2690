#!/usr/bin/env bash
# Deployments (seed 001's rollout exercise) against cube server + 3 hollow nodes: create with
# --record, rollout status, set image v1 -> v2 -> v3, rollout history with CHANGE-CAUSE, undo,
# undo --to-revision=1, kubectl refusing to undo a paused deployment, resume, scale, and the
# ScalingReplicaSet events.
source "$(dirname "$0")/lib.sh"


start_cluster
start_agent hollow --count 3 --node-name-prefix hollow- --fake-start-delay 0.2 --lease-renew-interval 2
AGENT_PID=$LAST_AGENT_PID
eventually "3 Ready nodes" "^3$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"

cat >"$E2E_DIR/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: http-go
  labels: {app: http-go}
spec:
  replicas: 3
  selector:
    matchLabels: {app: http-go}
  template:
    metadata:
      labels: {app: http-go}
    spec:
      containers:
      - name: http-go
        image: gasbugs/http-go:v1
YAML

image() { kubectl get deploy http-go -o jsonpath='{.spec.template.spec.containers[0].image}'; }
rollout() { kubectl rollout status deployment http-go --timeout=30s; }

expect "create --record" "deployment.apps/http-go created" kubectl create -f "$E2E_DIR/deploy.yaml" --record
expect "rollout status" 'deployment "http-go" successfully rolled out' rollout
expect "get deployment" "http-go +3/3 +3 +3" kubectl get deployment http-go --no-headers
expect "one replica set named by the template hash" "^http-go-[bcdfghjklmnpqrstvwxz2456789]+ +3 +3 +3" \
  kubectl get rs --no-headers
expect_eq "pods carry pod-template-hash" "3" bash -c \
  "kubectl get pods -l app=http-go,pod-template-hash --no-headers | grep -c Running"
expect_eq "revision 1" "1" kubectl get deploy http-go \
  -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'

expect "set image v2" "image updated" kubectl set image deployment http-go http-go=gasbugs/http-go:v2 --record
expect "rollout v2" "successfully rolled out" rollout
expect "set image v3" "image updated" kubectl set image deployment http-go http-go=gasbugs/http-go:v3 --record
expect "rollout v3" "successfully rolled out" rollout
expect "history lists 3 revisions with change-cause" \
  "REVISION +CHANGE-CAUSE.*1 +kubectl create .*--record=true.*2 +kubectl set image .*:v2.*3 +kubectl set image .*:v3" \
  bash -c "kubectl rollout history deployment http-go | tr '\n' ' '"
expect_eq "3 replica sets, old ones at 0" "0 0 3" bash -c \
  "kubectl get rs --sort-by=.metadata.annotations.deployment\\\\.kubernetes\\\\.io/revision -o jsonpath='{.items[*].spec.replicas}'"

expect "undo" "rolled back" kubectl rollout undo deployment http-go
expect "rollout after undo" "successfully rolled out" rollout
expect_eq "image back to v2" "gasbugs/http-go:v2" image
expect "undo reused revision 2 as 4" "REVISION.*1 .*3 .*4 +kubectl set image .*:v2" \
  bash -c "kubectl rollout history deployment http-go | tr '\n' ' '"
expect_eq "still 3 replica sets" "3" bash -c "kubectl get rs --no-headers | wc -l"

expect "undo --to-revision=1" "rolled back" kubectl rollout undo deployment http-go --to-revision=1
expect "rollout after undo to 1" "successfully rolled out" rollout
expect_eq "image back to v1" "gasbugs/http-go:v1" image
expect_eq "revision 5" "5" kubectl get deploy http-go \
  -o jsonpath='{.metadata.annotations.deployment\.kubernetes\.io/revision}'

expect "pause" "paused" kubectl rollout pause deployment http-go
expect_fail "undo of a paused deployment is refused" "cannot rollback a paused deployment" \
  kubectl rollout undo deployment http-go
expect "set image while paused" "image updated" kubectl set image deployment http-go http-go=gasbugs/http-go:v3
sleep 1
expect_eq "paused: no rollout" "gasbugs/http-go:v1 gasbugs/http-go:v1 gasbugs/http-go:v1" bash -c \
  "kubectl get pods -l app=http-go -o jsonpath='{.items[*].spec.containers[0].image}'"
eventually "paused condition" "DeploymentPaused" \
  kubectl get deploy http-go -o jsonpath='{.status.conditions[?(@.type=="Progressing")].reason}'
expect "resume" "resumed" kubectl rollout resume deployment http-go
expect "rollout after resume" "successfully rolled out" rollout
eventually "pods run v3" "^(gasbugs/http-go:v3 ?){3}$" \
  kubectl get pods -l app=http-go -o jsonpath='{.items[*].spec.containers[0].image}'

expect "scale" "scaled" kubectl scale deployment http-go --replicas=6
expect "rollout after scale" "successfully rolled out" rollout
eventually "6 available" "http-go +6/6 +6 +6" kubectl get deployment http-go --no-headers
expect "conditions" "Available=True/MinimumReplicasAvailable Progressing=True/NewReplicaSetAvailable" \
  kubectl get deploy http-go -o jsonpath='{range .status.conditions[*]}{.type}={.status}/{.reason} {end}'
# Many rollouts of one Deployment: as Kubernetes' recorder does, the 10th distinct scaling message
# on and after is one combined Event, and once the 25-event burst budget for the object is spent
# only one event per 5 minutes is written — so the last scale need not have an Event of its own.
expect "events" "ScalingReplicaSet +.*deployment-controller +Scaled up replica set http-go-[a-z0-9]+ from 0 to" \
  kubectl describe deployment http-go
expect "similar events combined" "ScalingReplicaSet +.*\(x[0-9]+ over .*\(combined from similar events\): Scaled (up|down) replica set http-go-" \
  kubectl describe deployment http-go
eventually "describe rs: SuccessfulCreate" "Normal +SuccessfulCreate .*replicaset-controller +Created pod: http-go-" \
  kubectl describe rs -l app=http-go

# maxSurge/maxUnavailable 50% with 10 replicas: sampled throughout the rollout, the ReplicaSets
# never ask for more than 15 pods and never report fewer than 5 available (minReadySeconds 3 makes
# each step wait, so the rollout is sampled many times).
kubectl create deployment bounds --image=app:v1 --replicas=10 >/dev/null
kubectl patch deployment bounds -p \
  '{"spec":{"minReadySeconds":3,"strategy":{"rollingUpdate":{"maxSurge":"50%","maxUnavailable":"50%"}}}}' >/dev/null
expect "bounds: rollout v1" "successfully rolled out" kubectl rollout status deployment bounds --timeout=60s
kubectl set image deployment bounds app=app:v2 >/dev/null
violations=""
samples=0
for _ in $(seq 400); do
  read -r total available < <(kubectl get rs -l app=bounds -o \
    jsonpath='{range .items[*]}{.spec.replicas} {.status.availableReplicas}{"\n"}{end}' |
    awk '{t += $1; a += $2} END {print t + 0, a + 0}')
  samples=$((samples + 1))
  if [ "$total" -gt 15 ] || [ "$available" -lt 5 ]; then violations+="total=$total available=$available; "; fi
  updated=$(kubectl get deploy bounds -o jsonpath='{.status.updatedReplicas}/{.status.availableReplicas}/{.status.replicas} {.metadata.generation}/{.status.observedGeneration}')
  [ "${updated% *}" == "10/10/10" ] && [ "${updated#* }" == "3/3" ] && break
  sleep 0.1
done
if [ -z "$violations" ] && [ "${updated% *}" == "10/10/10" ] && [ "$samples" -gt 3 ]; then pass "bounds held over $samples samples"; else
  fail "bounds" "violations: $violations" "last status: $updated"; fi
expect_eq "bounds: all pods on v2" "10" bash -c \
  "kubectl get pods -l app=bounds -o jsonpath='{range .items[*]}{.spec.containers[0].image}{\"\\n\"}{end}' | grep -c app:v2"

stop_pid "$AGENT_PID"
finish

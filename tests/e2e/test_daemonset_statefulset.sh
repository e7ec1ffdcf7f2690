#!/usr/bin/env bash
# DaemonSet and StatefulSet controllers against hollow nodes: a DaemonSet runs one pod per node
# (3, then 4 once a late agent joins) pinned by matchFields affinity, listed by `kubectl rollout
# history` and rolled to a new image; a StatefulSet creates web-0, web-1, web-2 one after
# another (each Ready first), rolls to a new image and scales down to 1 from the highest ordinal.
source "$(dirname "$0")/lib.sh"


start_cluster
start_agent hollow --count 3 --node-name-prefix hollow- --fake-start-delay 0.2 --lease-renew-interval 2
eventually "3 Ready nodes" "^3$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: c
        image: busybox
YAML
eventually "ds: 3 desired, current, ready" "^agent +3 +3 +3 +3 +3 " kubectl get ds agent --no-headers
expect_eq "one pod per node" "hollow-0 hollow-1 hollow-2 " bash -c \
  "kubectl get pods -l app=agent -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | sort | tr '\n' ' '"
expect_eq "pinned by matchFields" "metadata.name" kubectl get pods -l app=agent -o \
  jsonpath='{.items[0].spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key}'
expect "rollout history ds" "^1 " kubectl rollout history ds agent
eventually "describe ds: SuccessfulCreate" "Normal +SuccessfulCreate .*daemonset-controller +Created pod: agent-" \
  kubectl describe ds agent

start_agent late --count 1 --node-name-prefix late- --node-ip 127.1.0.20 --fake-start-delay 0.2 \
  --lease-renew-interval 2
eventually "ds: 4 after a node joins" "^agent +4 +4 +4 +4 +4 " kubectl get ds agent --no-headers
expect "pod on the new node" "late-0" kubectl get pods -l app=agent -o wide --no-headers

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: nginx
YAML
eventually "sts: 3/3 ready" "^web +3/3 " kubectl get sts web --no-headers
# OrderedReady: each ordinal is created after the previous one is Ready.
created=$(kubectl get pods -l app=web --sort-by=.metadata.creationTimestamp \
  -o jsonpath='{range .items[*]}{.metadata.name} {end}')
if [ "$created" == "web-0 web-1 web-2 " ]; then pass "created in ordinal order"; else
  fail "created in ordinal order" "got: $created"; fi
expect_eq "ready before the next" "ok" bash -c '
  r0=$(kubectl get pod web-0 -o jsonpath="{.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}")
  c1=$(kubectl get pod web-1 -o jsonpath="{.metadata.creationTimestamp}")
  [[ "$r0" < "$c1" || "$r0" == "$c1" ]] && echo ok || echo "web-0 ready $r0, web-1 created $c1"'
expect "creation events in order" "web-0.*web-1.*web-2" bash -c \
  "kubectl get events --field-selector involvedObject.name=web --sort-by=.metadata.creationTimestamp -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}' | grep 'create Pod' | tr '\n' ' '"
eventually "describe sts: SuccessfulCreate" \
  "Normal +SuccessfulCreate .*statefulset-controller +create Pod web-0 in StatefulSet web successful" kubectl describe sts web
eventually "describe pod web-0: Scheduled" "Normal +Scheduled .*default-scheduler +Successfully assigned default/web-0 to " \
  kubectl describe pod web-0
eventually "describe pod web-0: Pulled" 'Normal +Pulled .*kubelet.* Container image "nginx" already present on machine' \
  kubectl describe pod web-0
eventually "describe pod web-0: Created" "Normal +Created .*kubelet.* Created container: c" kubectl describe pod web-0
eventually "describe pod web-0: Started" "Normal +Started .*kubelet.* Started container c" kubectl describe pod web-0
expect_eq "hostname and subdomain" "web-1 web" kubectl get pod web-1 -o \
  jsonpath='{.spec.hostname} {.spec.subdomain}'

# Rolling updates: both roll out a new image and record a second revision.
kubectl set image sts/web c=nginx:2 >/dev/null
expect "sts rollout status" "partitioned roll out complete|rolling update complete" \
  timeout 30 kubectl rollout status sts/web
expect_eq "sts pods on the new image" "nginx:2 nginx:2 nginx:2 " bash -c \
  "kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.spec.containers[0].image} {end}'"
kubectl set image ds/agent c=busybox:2 >/dev/null
expect "ds rollout status" "successfully rolled out" timeout 30 kubectl rollout status ds/agent
expect "ds history has 2 revisions" "^2 " bash -c "kubectl rollout history ds/agent | tail -2"

kubectl scale sts web --replicas=1 >/dev/null
eventually "sts scaled to 1" "^web +1/1 " kubectl get sts web --no-headers
eventually "only web-0 left" "^web-0$" bash -c \
  "kubectl get pods -l app=web --no-headers -o custom-columns=N:.metadata.name"
# The rollout deleted each pod once already: repeats of those messages bump count and
# lastTimestamp on the same Events (as Kubernetes' recorder does), so sort by lastTimestamp.
expect "deleted from the highest ordinal" "^delete Pod web-2 .*delete Pod web-1 " bash -c \
  "kubectl get events --field-selector involvedObject.name=web --sort-by=.lastTimestamp -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}' | grep 'delete Pod' | tail -2 | tr '\n' ' '"

finish

#!/usr/bin/env bash
# Node failure: two hollow nodes (one agent process each) with a short grace period; a
# ReplicaSet of 4 spreads over both; SIGKILL node a's agent. Within the grace period node a turns
# NotReady with the unreachable taints, its pods are evicted once their default toleration
# (2 s here) runs out, and the ReplicaSet replaces them on node b. Also: nodes get pod CIDRs and
# pods carry the default not-ready/unreachable tolerations.
source "$(dirname "$0")/lib.sh"

start_cluster --node-monitor-grace-period 4s --default-unreachable-toleration-seconds 2
start_agent a --node-name a --fake-start-delay 0.2 --lease-renew-interval 1
AGENT_A=$LAST_AGENT_PID
start_agent b --node-name b --fake-start-delay 0.2 --lease-renew-interval 1

eventually "2 Ready nodes" "^2$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"
eventually "nodes have distinct pod CIDRs" "^a=10\.42\.[0-9]+\.0/24 b=10\.42\.[0-9]+\.0/24 $" \
  kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.spec.podCIDR} {end}'
expect_eq "podCIDRs" "$(kubectl get node a -o jsonpath='{.spec.podCIDR}')" \
  kubectl get node a -o jsonpath='{.spec.podCIDRs[0]}'
cidrs=$(kubectl get nodes -o jsonpath='{.items[*].spec.podCIDR}' | tr ' ' '\n' | sort -u | wc -l)
expect_eq "pod CIDRs unique" "2" echo "$cidrs"

# The agent learns its podCIDR from the answer to its first status report, 1 s after it
# registers; pods it starts before that get IPs from its fallback range.
sleep 1.5
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  replicas: 4
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx
YAML
eventually "4 pods Running" "^4$" bash -c \
  "kubectl get pods -l app=web --no-headers | grep -c ' Running '"
expect "pods on both nodes" "^a b $" bash -c \
  "kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\\n\"}{end}' | sort -u | tr '\n' ' '"
pod=$(kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
expect_eq "default unreachable toleration" "Exists NoExecute 2" kubectl get pod "$pod" -o \
  jsonpath='{range .spec.tolerations[?(@.key=="node.kubernetes.io/unreachable")]}{.operator} {.effect} {.tolerationSeconds}{end}'
expect_eq "default not-ready toleration" "Exists NoExecute 300" kubectl get pod "$pod" -o \
  jsonpath='{range .spec.tolerations[?(@.key=="node.kubernetes.io/not-ready")]}{.operator} {.effect} {.tolerationSeconds}{end}'
expect "pod IP from its node's CIDR" "^ok$" bash -c "
  node=\$(kubectl get pod $pod -o jsonpath='{.spec.nodeName}')
  cidr=\$(kubectl get node \$node -o jsonpath='{.spec.podCIDR}')
  ip=\$(kubectl get pod $pod -o jsonpath='{.status.podIP}')
  [ \"\${ip%.*}\" = \"\${cidr%.*}\" ] && echo ok || echo \"\$ip not in \$cidr\""

# Node a dies without a word.
kill -9 "$AGENT_A"
wait "$AGENT_A" 2>/dev/null
AGENT_A=""

eventually "node a NotReady" "^a +NotReady" kubectl get node a --no-headers
expect_eq "Ready Unknown" "Unknown NodeStatusUnknown" kubectl get node a -o \
  jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}'
eventually "unreachable taints" "node.kubernetes.io/unreachable:NoSchedule node.kubernetes.io/unreachable:NoExecute" \
  kubectl get node a -o jsonpath='{range .spec.taints[*]}{.key}:{.effect} {end}'
expect_eq "node b still Ready" "True" kubectl get node b -o \
  jsonpath='{.status.conditions[?(@.type=="Ready")].status}'
# Evicted pods may stay Terminating (no agent confirms on node a); the live ones must all be on b.
eventually "4 live pods, all Running on b" "^b Running,b Running,b Running,b Running,$" bash -c \
  "kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.deletionTimestamp}|{.spec.nodeName} {.status.phase},{end}' | tr ',' '\n' | grep '^|' | sed 's/^|//' | sort | tr '\n' ','"
expect "TaintManagerEviction events" "TaintManagerEviction +pod/web-[a-z0-9]+ +Marking for deletion Pod default/web-" \
  kubectl get events --field-selector reason=TaintManagerEviction
expect "NodeNotReady event" "NodeNotReady +node/a" kubectl get events --field-selector reason=NodeNotReady
eventually "describe evicted pod: TaintManagerEviction" "Normal +TaintManagerEviction .* Marking for deletion Pod default/web-" \
  bash -c "kubectl describe pod \$(kubectl get events --field-selector reason=TaintManagerEviction -o jsonpath='{.items[0].involvedObject.name}')"
EVICTED=$(kubectl get events --field-selector reason=TaintManagerEviction -o jsonpath='{.items[0].involvedObject.name}')
expect_eq "the evicted pod says why (DisruptionTarget)" "True DeletionByTaintManager" kubectl get pod "$EVICTED" \
  -o jsonpath='{.status.conditions[?(@.type=="DisruptionTarget")].status} {.status.conditions[?(@.type=="DisruptionTarget")].reason}'
eventually "describe node b: Starting" "Normal +Starting .* Starting kubelet\." kubectl describe node b

# Without an agent on node a nothing confirms the evicted pods: they stay Terminating, as in
# Kubernetes, until the administrator says the node is down (the out-of-service taint); then the
# pod garbage collector force-deletes them (it looks every 20 s).
on_a() { kubectl get pods -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -c '^a$'; }
expect "the evicted pods stay Terminating while node a is down" "Terminating +0 +[0-9]+s +10\.42\.[0-9.]+ +a " \
  kubectl get pods -l app=web -o wide --no-headers
kubectl taint node a node.kubernetes.io/out-of-service=nodeshutdown:NoExecute >/dev/null
eventually_for 60 "the pod GC removes them once node a is out of service" "^0$" on_a

finish

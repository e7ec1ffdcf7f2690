#!/usr/bin/env bash
# Issue 3's exactness tests on 10 hollow nodes of 100 pod slots each:
# 1. a ReplicaSet scaled 0 -> 500 creates exactly 500 pods (a watch from before the scale sees
#    500 ADDED and no DELETED);
# 2. 1,001 pods for 1,000 slots: exactly 1,000 are bound, no node ever holds more than its
#    allocatable pods (counted on the watch of every pod binding), and the last one stays Pending
#    with PodScheduled=False and a FailedScheduling event saying why;
# 3. a settled cluster (ReplicaSets, a Deployment, a DaemonSet, a StatefulSet, a completed Job)
#    makes no writes for 35 s (a full controller resync): the store's revision moves only by the
#    Lease renewals, and a watch on every watchable resource sees nothing else.
source "$(dirname "$0")/lib.sh"
set -o pipefail

NODES=10
SLOTS=100
# Seconds of the no-writes window: longer than the controllers' informer resync (30 s), so every
# controller re-examines every object at least once inside it.
WINDOW=${WINDOW:-35}
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1

# Background watches (curl) are stopped by PID, here or on exit.
WATCH_PIDS=()
trap 'for p in "${WATCH_PIDS[@]}"; do stop_pid "$p"; done; cleanup' EXIT

# eventually_within SECONDS NAME PATTERN CMD...: `eventually` with a longer deadline, for steps
# that move hundreds of pods on a loaded machine.
eventually_within() {
  local secs=$1 name=$2 pattern=$3
  shift 3
  local out deadline=$((SECONDS + secs))
  while :; do
    out=$("$@" 2>&1)
    if grep -Eq -- "$pattern" <<<"$out"; then pass "$name"; return 0; fi
    [ "$SECONDS" -ge "$deadline" ] && break
    kill -0 "$CUBE_PID" 2>/dev/null || break # finish reports the server's death
    sleep 0.5
  done
  fail "$name" "command: $*" "wanted: $pattern" "got:" "$out"
  kill -0 "$CUBE_PID" 2>/dev/null || finish
  return 1
}

# list_rv PATH: the store revision a list of PATH observed (revisions are global to the store).
list_rv() { api "$CUBE_URL$1" | jq -r .metadata.resourceVersion; }

# start_watch NAME PATH QUERY: streams the watch of PATH into $E2E_DIR/watch-NAME.jsonl; the PID is
# left in LAST_WATCH_PID.
start_watch() {
  curl -sN --max-time 600 "$CUBE_URL$2?watch=1&$3" >"$E2E_DIR/watch-$1.jsonl" 2>/dev/null &
  LAST_WATCH_PID=$!
  WATCH_PIDS+=("$LAST_WATCH_PID")
}

# watch_counts FILE: "ADDED=a MODIFIED=m DELETED=d OTHER=o distinct_added=n" of a watch stream
# (OTHER: ERROR or anything unexpected).
watch_counts() {
  python3 - "$1" <<'PY'
import json, sys
counts = {"ADDED": 0, "MODIFIED": 0, "DELETED": 0, "OTHER": 0}
added = set()
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue  # a line cut by stopping the stream
    t = e.get("type")
    counts[t if t in counts else "OTHER"] += 1
    if t == "ADDED":
        added.add(e["object"]["metadata"]["uid"])
print("ADDED=%d MODIFIED=%d DELETED=%d OTHER=%d distinct_added=%d" % (
    counts["ADDED"], counts["MODIFIED"], counts["DELETED"], counts["OTHER"], len(added)))
PY
}

count_pods() { kubectl get pods --no-headers "$@" 2>/dev/null | wc -l; }

start_cluster
# Node status every 300 s, the kubelet's default nodeStatusReportFrequency: in Kubernetes a node
# writes its status only that often unless something changed (the Lease is the heartbeat).
start_agent hollow --count "$NODES" --node-name-prefix hollow- --capacity-pods "$SLOTS" \
  --fake-start-delay 0.1 --lease-renew-interval 2 --node-status-interval 300
eventually "$NODES nodes Ready" "^$NODES$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"
expect_eq "each node has $SLOTS allocatable pods" "$(printf "$SLOTS%.0s " $(seq $NODES))" \
  kubectl get nodes -o jsonpath='{range .items[*]}{.status.allocatable.pods}{" "}{end}'

replicaset() { # NAME REPLICAS
  kubectl apply -f - <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: $1}
spec:
  replicas: $2
  selector: {matchLabels: {app: $1}}
  template:
    metadata: {labels: {app: $1}}
    spec:
      terminationGracePeriodSeconds: 0
      containers: [{name: c, image: busybox}]
YAML
}

# --- 1. 0 -> 500 creates exactly 500 pods -------------------------------------------------------
expect "create ReplicaSet scale with replicas: 0" 'replicaset.apps/scale created' replicaset scale 0
eventually "scale observes generation 1 with 0 replicas" '^1 0$' \
  kubectl get rs scale -o jsonpath='{.status.observedGeneration} {.status.replicas}'
rv=$(list_rv /api/v1/namespaces/default/pods)
start_watch scale /api/v1/namespaces/default/pods "labelSelector=app%3Dscale&resourceVersion=$rv"
scale_watch=$LAST_WATCH_PID
t0=$SECONDS
expect "kubectl scale --replicas=500" 'replicaset.apps/scale scaled' kubectl scale rs scale --replicas=500
eventually_within 180 "scale: 500 ready replicas" '^500 500 500$' \
  kubectl get rs scale -o jsonpath='{.status.replicas} {.status.readyReplicas} {.status.availableReplicas}'
echo "   (0 -> 500 ready in $((SECONDS - t0)) s)"
expect_eq "500 pods exist" "500" count_pods -l app=scale
# The stream stays open through the checks below, so a late extra pod would still show in it.
expect_eq "every pod is controlled by the ReplicaSet" \
  "500 $(kubectl get rs scale -o jsonpath='{.metadata.uid}')" bash -c \
  "kubectl get pods -l app=scale -o json | jq -r '[.items[].metadata.ownerReferences[] | select(.controller) | .uid] | \"\\(length) \\(unique | join(\",\"))\"'"
# Events are combined and rate-limited as Kubernetes' recorder does them (9 single, then one
# "(combined from similar events)" Event), so no exact count; but none may name a pod that is not
# one of the 500.
created_events() {
  kubectl get events -o json | jq -r '.items[] | select(.reason=="SuccessfulCreate" and .involvedObject.name=="scale") | .message | sub("^(\\(combined from similar events\\): )?Created pod: "; "")' | sort -u >"$E2E_DIR/created.txt"
  kubectl get pods -l app=scale -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}' | sort >"$E2E_DIR/pods.txt"
  echo "$(comm -23 "$E2E_DIR/created.txt" "$E2E_DIR/pods.txt" | wc -l) of $(wc -l <"$E2E_DIR/created.txt")"
}
expect "no SuccessfulCreate event names a pod outside the 500" '^0 of [1-9][0-9]*$' created_events

stop_pid "$scale_watch"
expect "the watch from before the scale saw exactly 500 ADDED, 0 DELETED" \
  '^ADDED=500 MODIFIED=[0-9]+ DELETED=0 OTHER=0 distinct_added=500$' watch_counts "$E2E_DIR/watch-scale.jsonl"

# Free the slots: the ReplicaSet stays (with 0 replicas) for part 3.
expect "scale back to 0" 'scaled' kubectl scale rs scale --replicas=0
eventually_within 180 "the 500 pods are gone" '^0$' count_pods -l app=scale

# --- 2. 1,001 pods into 1,000 slots ----------------------------------------------------------------
rv=$(list_rv /api/v1/pods)
# Every pod of the cluster, so anything bound anywhere counts against the node.
start_watch bind /api/v1/pods "resourceVersion=$rv"
bind_watch=$LAST_WATCH_PID
t0=$SECONDS
expect "create ReplicaSet fill with 1001 replicas" 'replicaset.apps/fill created' replicaset fill 1001
eventually_within 240 "fill: 1001 replicas, 1000 ready" '^1001 1000$' \
  kubectl get rs fill -o jsonpath='{.status.replicas} {.status.readyReplicas}'
echo "   (1,001 pods created, 1,000 ready in $((SECONDS - t0)) s)"
expect_eq "1000 pods bound" "1000" bash -c \
  "kubectl get pods -l app=fill -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\n\"}{end}' | grep -c ."
expect_eq "$SLOTS bound pods on each node" "$(printf "$SLOTS %.0s" $(seq $NODES))" bash -c \
  "kubectl get pods -A -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\n\"}{end}' | grep . | sort | uniq -c | awk '{printf \"%s \", \$1}'"
pending=$(kubectl get pods -l app=fill --field-selector=status.phase=Pending -o jsonpath='{.items[*].metadata.name}')
expect_eq "exactly one pod Pending" "1" bash -c "wc -w <<<'$pending'"
expect_eq "it is not bound" "" kubectl get pod "$pending" -o jsonpath='{.spec.nodeName}'
want_msg="0/$NODES nodes are available: $NODES Too many pods. preemption: 0/$NODES nodes are available: $NODES No preemption victims found for incoming pod.."
eventually "it has PodScheduled=False, reason Unschedulable, saying why" \
  "^False Unschedulable $want_msg\$" kubectl get pod "$pending" \
  -o jsonpath='{range .status.conditions[?(@.type=="PodScheduled")]}{.status} {.reason} {.message}{end}'
eventually "a FailedScheduling event on it says why" "^Warning default-scheduler $want_msg\$" bash -c \
  "kubectl get events -o json | jq -r '.items[] | select(.reason==\"FailedScheduling\" and .involvedObject.name==\"$pending\") | \"\\(.type) \\(.source.component) \\(.message)\"' | sort -u"
sleep 2
stop_pid "$bind_watch"
# Replays the binding stream: a pod holds its node's slot from the event that shows it bound until
# its DELETED event. The peak per node must stay within the node's allocatable pods.
expect "the binding stream: 1000 pods bound, never more than $SLOTS on a node" \
  "^bound=1000 nodes=$NODES peak=$SLOTS over=0$" python3 - "$E2E_DIR/watch-bind.jsonl" "$SLOTS" <<'PY'
import json, sys
slots = int(sys.argv[2])
node_of, load, peak, over, bound = {}, {}, 0, 0, set()
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    pod = e["object"]
    uid, node = pod["metadata"]["uid"], pod.get("spec", {}).get("nodeName", "")
    if e["type"] == "DELETED":
        if uid in node_of:
            load[node_of.pop(uid)] -= 1
        continue
    if node and uid not in node_of:
        node_of[uid] = node
        bound.add(uid)
        load[node] = load.get(node, 0) + 1
        peak = max(peak, load[node])
        if load[node] > slots:
            over += 1
print("bound=%d nodes=%d peak=%d over=%d" % (len(bound), len(load), peak, over))
PY

# --- 3. a settled cluster makes no writes ----------------------------------------------------------
# Scale fill down to 50 (the Pending pod goes first), and add the other controllers' objects.
expect "scale fill to 50" 'scaled' kubectl scale rs fill --replicas=50
eventually_within 180 "fill: 50 pods left" '^50$' count_pods -l app=fill
expect_fail "the Pending pod was removed first" 'NotFound' kubectl get pod "$pending"
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  completions: 3
  parallelism: 3
  template:
    metadata: {annotations: {cube.dev/fake-exit-code: "0", cube.dev/fake-run-seconds: "1"}}
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
YAML
eventually_within 120 "deployment web: 5 available" '^5 5 5$' \
  kubectl get deploy web -o jsonpath='{.status.replicas} {.status.updatedReplicas} {.status.availableReplicas}'
eventually_within 120 "daemonset agent: $NODES ready" "^$NODES $NODES $NODES\$" \
  kubectl get ds agent -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady} {.status.updatedNumberScheduled}'
eventually_within 120 "statefulset db: 2 ready" '^2 2$' \
  kubectl get sts db -o jsonpath='{.status.replicas} {.status.readyReplicas}'
eventually_within 120 "job once: Complete with 3 succeeded" '^3 True$' \
  kubectl get job once -o jsonpath='{.status.succeeded} {.status.conditions[?(@.type=="Complete")].status}'
eventually_within 120 "fill: 50 ready" '^50 50$' \
  kubectl get rs fill -o jsonpath='{.status.replicas} {.status.readyReplicas}'
all_pods=$((50 + 5 + NODES + 2 + 3))
eventually_within 60 "all $all_pods pods Running or Completed" "^$all_pods\$" bash -c \
  "kubectl get pods --no-headers | grep -Ec ' (Running|Completed) '"

# Events are written by a queue behind the components (the scale-down alone recorded ~2,000), so
# they may still be landing: settled includes their backlog, i.e. no new Event for 5 s.
event_count() { api "$CUBE_URL/api/v1/events" | jq '.items | length'; }
settled=""
last=$(event_count)
quiet=0
for _ in $(seq 120); do
  sleep 1
  now=$(event_count)
  if [ "$now" == "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
  last=$now
  if [ "$quiet" -ge 5 ]; then settled=yes; break; fi
done
expect_eq "the Event backlog drains" "yes" echo "$settled"

# The window: one watch per watchable resource from the same revision, then the revision the
# store reached when the window closed.
paths=$(python3 - "$CUBE_URL" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
get = lambda p: json.load(urllib.request.urlopen(base + p))
def watchable(prefix, doc):
    return [prefix + "/" + r["name"] for r in doc["resources"]
            if "/" not in r["name"] and "watch" in r.get("verbs", [])]
paths = watchable("/api/v1", get("/api/v1"))
for g in get("/apis")["groups"]:
    gv = g["preferredVersion"]["groupVersion"]
    paths += watchable("/apis/" + gv, get("/apis/" + gv))
print("\n".join(paths))
PY
)
expect "discovery lists the resources to watch" 'leases' echo "$paths"
rv0=$(list_rv /api/v1/namespaces)
window_pids=()
for p in $paths; do
  name=$(tr '/' '_' <<<"$p")
  start_watch "win$name" "$p" "resourceVersion=$rv0"
  window_pids+=("$LAST_WATCH_PID")
done
sleep "$WINDOW" # the measurement window, not a wait for something to happen
rv1=$(list_rv /api/v1/namespaces)

# window_writes: the writes in (rv0, rv1] the watches have delivered so far, one line per
# revision: "revision resource TYPE namespace/name" (a write served by two groups, like Events,
# shows in both watches).
window_writes() {
  python3 - "$rv0" "$rv1" "$E2E_DIR"/watch-win_*.jsonl <<'PY' | sort -n -u -k1,1
import json, sys
rv0, rv1 = int(sys.argv[1]), int(sys.argv[2])
for path in sys.argv[3:]:
    resource = path.rsplit("watch-win", 1)[1][:-len(".jsonl")].replace("_", "/")
    for line in open(path):
        try:
            e = json.loads(line)
        except ValueError:
            continue
        meta = e.get("object", {}).get("metadata", {})
        rv = int(meta.get("resourceVersion") or 0)
        if rv0 < rv <= rv1 and e.get("type") != "BOOKMARK":
            print(rv, resource, e["type"], "%s/%s" % (meta.get("namespace", ""), meta.get("name")))
PY
}
# Every revision of the window must reach some watch; one that never does was a write to a
# resource discovery does not list, and fails the last check.
for _ in $(seq 40); do
  [ "$(window_writes | wc -l)" -ge $((rv1 - rv0)) ] && break
  sleep 0.5
done
for pid in "${window_pids[@]}"; do stop_pid "$pid"; done
window_writes >"$E2E_DIR/window.txt"
lease_writes=$(awk '$2 ~ /\/leases$/' "$E2E_DIR/window.txt" | wc -l)
echo "   (window: revisions $rv0 -> $rv1, $lease_writes Lease renewals)"
expect_eq "in $WINDOW s of a settled cluster no resource but Leases was written" "" \
  awk '$2 !~ /\/leases$/' "$E2E_DIR/window.txt"
expect "the Leases were renewed meanwhile (the watches work)" '^[1-9]' echo "$lease_writes"
expect_eq "the store's revision moved by the Lease renewals only" "$lease_writes" \
  echo "$((rv1 - rv0))"

# --- the agent's kubelet-named registration flags (after the window: a new node writes) ---------
start_agent labelled --node-name labelled-0 --node-ip 127.1.0.50 --fake-start-delay 0.1 \
  --lease-renew-interval 2 --node-labels disk=ssd,zone=z1 \
  --register-with-taints dedicated=gpu:NoSchedule,maintenance:NoExecute
eventually "--node-labels: the node carries them" '^ssd z1 labelled-0$' kubectl get node labelled-0 \
  -o jsonpath='{.metadata.labels.disk} {.metadata.labels.zone} {.metadata.labels.kubernetes\.io/hostname}'
expect_eq "--register-with-taints: the node was created with them" \
  "dedicated=gpu:NoSchedule maintenance=:NoExecute " kubectl get node labelled-0 \
  -o jsonpath='{range .spec.taints[*]}{.key}={.value}:{.effect} {end}'
expect_fail "a taint without an effect is refused" 'invalid taint spec' \
  timeout 10 "$CUBE_BIN" agent --node-name x --server "$CUBE_URL" --register-with-taints dedicated=gpu
finish

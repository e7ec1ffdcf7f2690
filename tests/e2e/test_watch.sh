#!/usr/bin/env bash
# Watches: kubectl get -w, raw WatchEvent streams from a resourceVersion, selector transitions
# (ADDED when an object starts matching, DELETED when it stops), Table watches, 410 for history
# that is gone.
source "$(dirname "$0")/lib.sh"
start_cluster
W=$E2E_DIR/work; mkdir -p "$W"

# ConfigMaps: no control loop writes to them, so every event here is the test's own.
timeout 8 kubectl get configmaps -w >"$W/kubectl-watch.out" 2>&1 &
WATCH_PID=$!
sleep 1
kubectl create configmap w1 --from-literal=a=1 >/dev/null
kubectl label configmap w1 a=b >/dev/null
kubectl delete configmap w1 >/dev/null
wait $WATCH_PID
expect "kubectl get -w prints the new object" 'w1 +1 +' cat "$W/kubectl-watch.out"
expect_eq "kubectl get -w prints each change once" "3" grep -c '^w1 ' "$W/kubectl-watch.out"

RV=$(api "$CUBE_URL/api/v1/namespaces/default/configmaps" | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')
api -N "$CUBE_URL/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$RV&labelSelector=app%3Dweb&timeoutSeconds=6" >"$W/raw.out" &
RAW_PID=$!
api -N -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' "$CUBE_URL/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=$RV&timeoutSeconds=6" >"$W/table.out" &
TABLE_PID=$!
sleep 0.5
kubectl create configmap web >/dev/null
kubectl label configmap web app=web >/dev/null
kubectl label configmap web app=other --overwrite >/dev/null
kubectl label configmap web app=web --overwrite >/dev/null
kubectl delete configmap web >/dev/null
kubectl create configmap unrelated >/dev/null
wait $RAW_PID $TABLE_PID
types=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["type"] for l in open(sys.argv[1]) if l.strip()))' "$W/raw.out")
expect_eq "selector transitions" "ADDED DELETED ADDED DELETED" echo "$types"
expect "watch events carry the object" '"kind":"ConfigMap"' cat "$W/raw.out"
expect "table watch sends Table objects" '"kind":"Table".*"cells":\["web"' head -1 "$W/table.out"
expect "table watch has columns in the first event" '"columnDefinitions":\[\{"name":"Name"' head -1 "$W/table.out"

# A watch on one object.
api -N "$CUBE_URL/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dunrelated&timeoutSeconds=2" >"$W/one.out"
expect_eq "field-selected watch starts with the current object" "1" grep -c '"ADDED"' "$W/one.out"

# After a restart the history before it is gone: 410 Expired as an ERROR event.
kill_cluster
start_cluster
api -N "$CUBE_URL/api/v1/namespaces/default/pods?watch=true&resourceVersion=2&timeoutSeconds=2" >"$W/gone.out"
expect "expired history is an ERROR event with 410" '"type":"ERROR".*"code":410' cat "$W/gone.out"
expect "expired reason" '"reason":"Expired"' cat "$W/gone.out"
finish

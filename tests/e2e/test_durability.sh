#!/usr/bin/env bash
# Acknowledged writes survive kill -9 of the server, and a restarted server serves them with the
# same UIDs and resource versions; revisions keep increasing after the restart.
source "$(dirname "$0")/lib.sh"
start_cluster

for i in $(seq 1 30); do
  kubectl run "p$i" --image=nginx --labels=batch=one >/dev/null || fail "create p$i"
done
kubectl label pod p1 changed=yes >/dev/null
kubectl delete pod p2 >/dev/null
BEFORE=$(kubectl get pods -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}' | sort)
RV_BEFORE=$(kubectl get --raw /api/v1/namespaces/default/pods | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["resourceVersion"])')

kill_cluster
start_cluster

AFTER=$(kubectl get pods -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.uid} {.metadata.resourceVersion}{"\n"}{end}' | sort)
expect_eq "every acknowledged write survived kill -9" "$BEFORE" echo "$AFTER"
expect_eq "29 pods" "29" bash -c "kubectl get pods -o name | wc -l"
expect_eq "label kept" "yes" kubectl get pod p1 -o jsonpath='{.metadata.labels.changed}'
expect_fail "deletion kept" 'NotFound' kubectl get pod p2
kubectl run after --image=nginx >/dev/null
RV_AFTER=$(kubectl get pod after -o jsonpath='{.metadata.resourceVersion}')
expect "revisions keep increasing after restart" '^yes$' bash -c "[ $RV_AFTER -gt $RV_BEFORE ] && echo yes"
expect "namespaces intact" 'kube-system' kubectl get ns
finish

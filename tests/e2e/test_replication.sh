#!/usr/bin/env bash
# Seed 001's ReplicationController and ReplicaSet exercises on hollow nodes: pods spread over
# the nodes, a deleted pod comes back, a relabelled pod leaves the controller's care (a new one
# replaces it, the old one keeps running), edit to 20 then scale to 10, --cascade=orphan keeps
# the pods, describe shows the controller's events.
source "$(dirname "$0")/lib.sh"
M=$(dirname "$0")/manifests


start_cluster
start_agent hollow --count 3 --node-name-prefix hollow- --fake-start-delay 0.2 --lease-renew-interval 2
eventually "3 nodes Ready" '^3$' bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"

running() { kubectl get pods -l "$1" --no-headers 2>/dev/null | grep -c ' Running '; }

expect "create rc" 'replicationcontroller/rc-http-go created' kubectl create -f "$M/rc-http-go.yaml"
eventually "3 pods Running" '^3$' running app=rc-http-go
expect_eq "spread over the 3 nodes" "3" bash -c \
  "kubectl get pods -l app=rc-http-go -o jsonpath='{range .items[*]}{.spec.nodeName}{\"\n\"}{end}' | sort -u | wc -l"
eventually "rc READY 3" 'rc-http-go +3 +3 +3' kubectl get rc rc-http-go

victim=$(kubectl get pods -l app=rc-http-go -o jsonpath='{.items[0].metadata.name}')
expect "delete a pod" "pod \"$victim\" deleted" kubectl delete pod "$victim"
eventually "a replacement comes back" '^3$' running app=rc-http-go
expect_fail "the deleted pod is gone" 'NotFound' kubectl get pod "$victim"

moved=$(kubectl get pods -l app=rc-http-go -o jsonpath='{.items[0].metadata.name}')
expect "relabel a pod out of the controller's selector" 'labeled' kubectl label pod "$moved" app=http-go2 --overwrite
eventually "the controller makes a new one" '^3$' running app=rc-http-go
expect "the relabelled pod keeps running" 'Running' kubectl get pod "$moved"
expect "and no longer has an owner" '^(\[\])?$' kubectl get pod "$moved" -o jsonpath='{.metadata.ownerReferences}'

cat >"$E2E_DIR/editor.sh" <<'EDIT'
#!/bin/sh
sed -i 's/replicas: 3/replicas: 20/' "$1"
EDIT
chmod +x "$E2E_DIR/editor.sh"
expect "edit to 20" 'edited' env KUBE_EDITOR="$E2E_DIR/editor.sh" kubectl edit rc rc-http-go
eventually "20 pods Running" '^20$' running app=rc-http-go
expect "scale to 10" 'scaled' kubectl scale rc rc-http-go --replicas=10
eventually "10 pods left" '^10$' bash -c "kubectl get pods -l app=rc-http-go --no-headers | grep -vc Terminating"
expect "describe shows the controller's events" 'SuccessfulDelete .*Deleted pod: rc-http-go-' kubectl describe rc rc-http-go

expect "delete rc --cascade=orphan" 'deleted' kubectl delete rc rc-http-go --cascade=orphan
expect_fail "the rc is gone" 'NotFound' kubectl get rc rc-http-go
expect_eq "its pods keep running" "10" running app=rc-http-go

expect "create the seed's apps/v1beta2 ReplicaSet" 'created' kubectl create -f "$M/http-go-rs.yaml"
eventually "rs READY 3" 'http-go-rs +3 +3 +3' kubectl get rs http-go-rs
expect "delete rs" 'deleted' kubectl delete rs http-go-rs
eventually "its pods go with it" '^0$' bash -c "kubectl get pods -l app=http-go --no-headers 2>/dev/null | grep -vc Terminating"
finish

#!/usr/bin/env bash
# Garbage collector, server + 2 hollow nodes: `kubectl delete rs` (background) takes the pods with
# it; `delete rc --cascade=orphan` leaves them, without owner; deleting a Deployment removes the
# ReplicaSets it owns and their pods, in the background and in the foreground; a pod whose owner
# never existed (or was replaced under the same name) is collected.
source "$(dirname "$0")/lib.sh"


start_cluster
start_agent hollow --count 2 --node-name-prefix hollow- --fake-start-delay 0.2 --lease-renew-interval 2
eventually "2 Ready nodes" "^2$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"

count() { kubectl get pods -l "$1" -o name | wc -l; }

# replicas, kind, name, label
replicas() {
  local api=apps/v1 selector="selector: {matchLabels: {app: $3}}"
  [ "$2" = ReplicationController ] && api=v1 && selector="selector: {app: $3}"
  cat <<YAML
apiVersion: $api
kind: $2
metadata: {name: $3}
spec:
  replicas: $1
  $selector
  template:
    metadata: {labels: {app: $3}}
    spec: {containers: [{name: c, image: busybox}]}
YAML
}

# Background: the ReplicaSet goes at once, its pods follow.
replicas 3 ReplicaSet gc-rs | kubectl create -f - >/dev/null
eventually "the ReplicaSet's pods run" '^3$' bash -c "kubectl get pods -l app=gc-rs --no-headers | grep -c Running"
expect "delete rs (background)" 'replicaset.apps "gc-rs" deleted' kubectl delete rs gc-rs
eventually "its pods are collected" '^0$' count app=gc-rs

# Orphan: the pods stay and lose their owner.
replicas 2 ReplicationController gc-rc | kubectl create -f - >/dev/null
eventually "the RC's pods run" '^2$' bash -c "kubectl get pods -l app=gc-rc --no-headers | grep -c Running"
expect "delete rc --cascade=orphan" 'replicationcontroller "gc-rc" deleted' \
  kubectl delete rc gc-rc --cascade=orphan
sleep 2
expect_eq "orphaned pods stay" "2" count app=gc-rc
expect_eq "without ownerReferences" "" \
  kubectl get pods -l app=gc-rc -o jsonpath='{.items[*].metadata.ownerReferences}'
kubectl delete pods -l app=gc-rc --wait=false >/dev/null

# A Deployment owning a ReplicaSet. The ReplicaSet is made by hand with a plain (non-controller)
# reference, so this holds with or without a Deployment controller.
owned_rs() {  # deployment, rs name
  local uid
  uid=$(kubectl get deployment "$1" -o jsonpath='{.metadata.uid}')
  replicas 2 ReplicaSet "$2" | sed "s|^metadata: {name: $2}|metadata: {name: $2, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: $1, uid: $uid, blockOwnerDeletion: true}]}|" |
    kubectl create -f - >/dev/null
}
replicas 0 Deployment gc-dep | kubectl create -f - >/dev/null
owned_rs gc-dep gc-dep-rs
eventually "the owned ReplicaSet's pods run" '^2$' bash -c "kubectl get pods -l app=gc-dep-rs --no-headers | grep -c Running"
expect "delete deployment (background)" 'deployment.apps "gc-dep" deleted' kubectl delete deployment gc-dep
eventually "its ReplicaSet is collected" '^$' bash -c "kubectl get rs -o name | grep gc-dep"
eventually "and the ReplicaSet's pods" '^0$' count app=gc-dep-rs

replicas 0 Deployment gc-fg | kubectl create -f - >/dev/null
owned_rs gc-fg gc-fg-rs
eventually "the second owned ReplicaSet's pods run" '^2$' bash -c "kubectl get pods -l app=gc-fg-rs --no-headers | grep -c Running"
expect "delete deployment --cascade=foreground" 'deleted' \
  timeout 30 kubectl delete deployment gc-fg --cascade=foreground
expect_eq "its ReplicaSet went first" "" bash -c "kubectl get rs -o name | grep gc-fg"
expect_eq "and the pods" "0" count app=gc-fg-rs

# An owner that is gone by uid: a ReplicaSet re-created under the same name does not count.
replicas 0 ReplicaSet gc-old | kubectl create -f - >/dev/null
old_uid=$(kubectl get rs gc-old -o jsonpath='{.metadata.uid}')
kubectl delete rs gc-old >/dev/null
replicas 0 ReplicaSet gc-old | kubectl create -f - >/dev/null
kubectl create -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: gc-stray
  labels: {app: gc-stray}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: gc-old, uid: $old_uid}]
spec: {containers: [{name: c, image: busybox}]}
YAML
eventually "a pod whose owner was replaced is collected" '^0$' count app=gc-stray
expect "the new owner stays" 'gc-old' kubectl get rs gc-old

finish

#!/usr/bin/env bash
# The scheduler and the controller manager run only while the server holds their Leases
# (kube-system/kube-scheduler, kube-system/kube-controller-manager), as Kubernetes' components
# do with --leader-elect: a lease held by another identity stops them, a free lease starts them
# again, a restarted server resumes its own leases, --leader-elect=false runs them regardless,
# and two servers never share one data directory.
source "$(dirname "$0")/lib.sh"

# stop_cluster: SIGTERM (a clean shutdown releases the leases) and wait for the exit.
stop_cluster() {
  stop_pid "$CUBE_PID"
  wait "$CUBE_PID" 2>/dev/null
  CUBE_PID=""
}

holder() { kubectl get lease -n kube-system "$1" -o jsonpath='{.spec.holderIdentity}'; }
transitions() { kubectl get lease -n kube-system "$1" -o jsonpath='{.spec.leaseTransitions}'; }

# hand_lease NAME IDENTITY: gives the lease to another (pretend) server for an hour.
hand_lease() {
  local now
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000000Z)
  kubectl patch lease -n kube-system "$1" --type=merge -p \
    "{\"spec\":{\"holderIdentity\":\"$2\",\"renewTime\":\"$now\",\"leaseDurationSeconds\":3600}}"
}

rs_manifest() {
  cat <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: $1
spec:
  replicas: 2
  selector:
    matchLabels: {app: $1}
  template:
    metadata:
      labels: {app: $1}
    spec:
      containers:
      - name: web
        image: busybox
YAML
}
pods_of() { kubectl get pods -l "app=$1" --no-headers 2>/dev/null | wc -l; }

start_cluster
start_agent hollow --node-name-prefix le- --count 1 --fake-start-delay 0.1 --lease-renew-interval 2
eventually "node Ready" ' Ready ' kubectl get node le-0

identity=$(holder kube-scheduler)
expect "the scheduler's lease is held by this server" '^[a-z0-9.-]+_[0-9a-f-]{36}$' echo "$identity"
expect_eq "the controller manager's lease too" "$identity" holder kube-controller-manager
expect "kubectl lists both leases" 'kube-controller-manager +'"$identity" kubectl get lease -n kube-system
first_renew=$(kubectl get lease -n kube-system kube-scheduler -o jsonpath='{.spec.renewTime}')
eventually "the lease is renewed" '.' bash -c \
  "[ \"\$(kubectl get lease -n kube-system kube-scheduler -o jsonpath='{.spec.renewTime}')\" != '$first_renew' ] && echo renewed"

# Another identity takes the controller manager's lease: the controllers stop within a retry
# period, so a new ReplicaSet gets no pods; once the lease is free again they come back.
expect "hand the controller lease to another server" 'patched' hand_lease kube-controller-manager other-server_1
sleep 4  # two retry periods: the server has seen the other holder and stepped down
rs_manifest paused-rs | kubectl apply -f - >/dev/null
sleep 5
expect_eq "no controller acts while another server leads" "0" pods_of paused-rs
expect_eq "the lease stays with the other server" "other-server_1" holder kube-controller-manager
expect "free the lease" 'deleted' kubectl delete lease -n kube-system kube-controller-manager
eventually "this server leads the controllers again" "^$identity\$" holder kube-controller-manager
eventually "and the ReplicaSet gets its pods" '^2$' pods_of paused-rs

# The same for the scheduler: a pod stays unscheduled while another server holds its lease.
expect "hand the scheduler lease to another server" 'patched' hand_lease kube-scheduler other-server_1
sleep 4
expect "create a pod" 'pod/waiting created' kubectl run waiting --image=busybox --restart=Never
sleep 4
expect_eq "no scheduler binds it meanwhile" "" kubectl get pod waiting -o jsonpath='{.spec.nodeName}'
expect "free the scheduler lease" 'deleted' kubectl delete lease -n kube-system kube-scheduler
eventually "the pod is scheduled after the lease comes back" '^le-0$' \
  kubectl get pod waiting -o jsonpath='{.spec.nodeName}'
eventually "and runs" 'Running' kubectl get pod waiting

# A clean shutdown releases the leases; a crash leaves them, and the restarted server (same data
# directory, same identity) renews them at once rather than waiting for them to expire.
stop_cluster
start_cluster
eventually "after a clean restart the same identity leads" "^$identity\$" holder kube-scheduler
kill_cluster
start_cluster
before=$(transitions kube-controller-manager)
eventually "after a crash the same identity leads" "^$identity\$" holder kube-controller-manager
rs_manifest after-crash | kubectl apply -f - >/dev/null
eventually "controllers run after the crash" '^2$' pods_of after-crash
expect_eq "resuming its own lease is no transition" "$before" transitions kube-controller-manager

expect_fail "a second server on the same data directory is refused" \
  'data directory .* is in use by another cube server' \
  "$CUBE_BIN" server --data-dir "$E2E_DIR/data" --port 0 --write-kubeconfig "$E2E_DIR/other.kubeconfig"

# --leader-elect=false: the components run whoever holds the leases. (This server also keeps
# Events only 3 s after their last write, checked at the end.)
stop_cluster
start_cluster --leader-elect=false --event-ttl 3s
expect "hand both leases away" 'patched' hand_lease kube-controller-manager other-server_1
hand_lease kube-scheduler other-server_1 >/dev/null
rs_manifest unelected | kubectl apply -f - >/dev/null
eventually "without leader election the controllers act anyway" '^2$' pods_of unelected
eventually "and the scheduler binds" '^le-0$' bash -c \
  "kubectl get pods -l app=unelected -o jsonpath='{.items[*].spec.nodeName}' | tr ' ' '\n' | sort -u"
expect_eq "and nobody touched the leases" "other-server_1" holder kube-scheduler

expect "the ReplicaSet's events are there" 'SuccessfulCreate' \
  kubectl get events --field-selector involvedObject.name=unelected
eventually "and expire after --event-ttl" 'No resources found' \
  kubectl get events --field-selector involvedObject.name=unelected

finish

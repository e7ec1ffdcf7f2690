#!/usr/bin/env bash
# Jobs and CronJobs on hollow nodes: a Job with completions 3 / parallelism 2 whose pods exit 0
# after 1 s completes 3/3 (conditions, events, kubectl get jobs); a Job whose pods exit 1 with
# backoffLimit 1 ends Failed with BackoffLimitExceeded; an Indexed Job runs one pod per index; a
# Job with ttlSecondsAfterFinished is deleted after it finishes; a CronJob's Job made by
# `kubectl create job --from=cronjob/NAME` (owned by the CronJob) runs to completion. Scheduled
# runs are covered by unit tests with a fake clock: waiting for a minute boundary here is slow.
source "$(dirname "$0")/lib.sh"


start_cluster
start_agent hollow --count 2 --node-name-prefix hollow- --fake-start-delay 0.2 --lease-renew-interval 2
eventually "2 Ready nodes" "^2$" bash -c "kubectl get nodes --no-headers | grep -c ' Ready '"

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  completions: 3
  parallelism: 2
  template:
    metadata:
      annotations: {cube.dev/fake-exit-code: "0", cube.dev/fake-run-seconds: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
YAML
eventually "at most 2 pods run at once" "^[12]$" \
  bash -c "kubectl get pods -l job-name=pi --no-headers | grep -c -v Completed"
expect "job completes" "condition met" kubectl wait --for=condition=complete job/pi --timeout=60s
expect "kubectl get jobs: Complete 3/3" "pi +Complete +3/3 " kubectl get jobs pi --no-headers
expect_eq "3 pods succeeded" "3" bash -c "kubectl get pods -l job-name=pi --no-headers | grep -c Completed"
expect_eq "status" "3 Complete True" \
  kubectl get job pi -o jsonpath='{.status.succeeded} {.status.conditions[?(@.type=="Complete")].type} {.status.conditions[?(@.type=="SuccessCriteriaMet")].status}'
expect "completionTime" "^[0-9]{4}-" kubectl get job pi -o jsonpath='{.status.completionTime}'
expect "pods owned by the job" "^Job/pi$" \
  bash -c "kubectl get pods -l job-name=pi -o jsonpath='{.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata.ownerReferences[0].name}'"
expect "events" "SuccessfulCreate.*Completed|Completed.*SuccessfulCreate" \
  bash -c "kubectl get events --field-selector involvedObject.name=pi -o jsonpath='{.items[*].reason}'"
eventually "describe job: SuccessfulCreate" "Normal +SuccessfulCreate .*job-controller +Created pod: pi-" \
  kubectl describe job pi
eventually "describe job: Completed" "Normal +Completed .*job-controller +Job completed" kubectl describe job pi
eventually "describe job pod: Scheduled" "Normal +Scheduled .*default-scheduler +Successfully assigned default/pi-" \
  bash -c "kubectl describe \$(kubectl get pods -l job-name=pi -o name | head -1)"
eventually "describe job pod: Pulled" 'Normal +Pulled .*kubelet.* Container image "busybox" already present on machine' \
  bash -c "kubectl describe \$(kubectl get pods -l job-name=pi -o name | head -1)"
eventually "describe job pod: Created" "Normal +Created .*kubelet.* Created container: main" \
  bash -c "kubectl describe \$(kubectl get pods -l job-name=pi -o name | head -1)"
eventually "describe job pod: Started" "Normal +Started .*kubelet.* Started container main" \
  bash -c "kubectl describe \$(kubectl get pods -l job-name=pi -o name | head -1)"

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: broken}
spec:
  backoffLimit: 1
  template:
    metadata:
      annotations: {cube.dev/fake-exit-code: "1", cube.dev/fake-run-seconds: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
YAML
expect "failing job ends Failed" "condition met" \
  kubectl wait --for=condition=failed job/broken --timeout=60s
expect_eq "reason BackoffLimitExceeded, 2 failed" "BackoffLimitExceeded 2" \
  kubectl get job broken -o jsonpath='{.status.conditions[?(@.type=="Failed")].reason} {.status.failed}'
expect "kubectl get jobs: Failed" "broken +Failed +0/1 " kubectl get jobs broken --no-headers
expect "BackoffLimitExceeded event" "BackoffLimitExceeded" \
  bash -c "kubectl get events --field-selector involvedObject.name=broken -o jsonpath='{.items[*].reason}'"

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: indexed}
spec:
  completions: 3
  parallelism: 3
  completionMode: Indexed
  template:
    metadata:
      annotations: {cube.dev/fake-exit-code: "0", cube.dev/fake-run-seconds: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
YAML
expect "indexed job completes" "condition met" \
  kubectl wait --for=condition=complete job/indexed --timeout=60s
expect_eq "completedIndexes" "0-2" kubectl get job indexed -o jsonpath='{.status.completedIndexes}'
expect_eq "one pod per index" "0 1 2" bash -c "kubectl get pods -l job-name=indexed \
  -o jsonpath='{range .items[*]}{.metadata.labels.batch\.kubernetes\.io/job-completion-index}{\"\\n\"}{end}' | sort | xargs"

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: Job
metadata: {name: short-lived}
spec:
  ttlSecondsAfterFinished: 1
  template:
    metadata:
      annotations: {cube.dev/fake-exit-code: "0", cube.dev/fake-run-seconds: "1"}
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
YAML
eventually "job deleted after its TTL" "NotFound|not found" kubectl get job short-lived

kubectl apply -f - >/dev/null <<'YAML'
apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {cube.dev/fake-exit-code: "0", cube.dev/fake-run-seconds: "1"}
        spec:
          restartPolicy: OnFailure
          containers: [{name: main, image: busybox}]
YAML
expect "cronjob listed" "tick +\* \* \* \* \* +<none> +False +0 " kubectl get cronjob tick --no-headers
expect "create job from cronjob" "job.batch/manual-1 created" \
  kubectl create job --from=cronjob/tick manual-1
expect_eq "manual job owned by the cronjob" "CronJob/tick" \
  kubectl get job manual-1 -o jsonpath='{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}'
expect "manual job completes" "condition met" \
  kubectl wait --for=condition=complete job/manual-1 --timeout=60s
eventually "cronjob lastSuccessfulTime from its finished job" "^[0-9]{4}-" \
  kubectl get cronjob tick -o jsonpath='{.status.lastSuccessfulTime}'
eventually "describe cronjob: SawCompletedJob" "Normal +SawCompletedJob .*cronjob-controller +Saw completed job: manual-1, condition: Complete" \
  kubectl describe cronjob tick

finish

#!/usr/bin/env bash
# Creating, reading and deleting objects as the seeds do: create/get/describe/delete, output
# formats, api-resources, explain, run, namespaces.
source "$(dirname "$0")/lib.sh"
M=$(dirname "$0")/manifests
start_cluster

expect "version reports 1.32" 'Server Version: v1.32' kubectl version
expect "default namespaces" 'default +Active.*' kubectl get ns
expect "kube-system exists" 'kube-system' kubectl get namespaces
expect "kubernetes service" 'kubernetes +ClusterIP +10\.43\.0\.1 +<none> +443/TCP' kubectl get svc
expect "api-resources lists pods with short name" 'pods +po +v1 +true +Pod' kubectl api-resources
expect "api-resources lists deployments" 'deployments +deploy +apps/v1 +true +Deployment' kubectl api-resources
expect "api-resources --namespaced=false" 'namespaces +ns' kubectl api-resources --namespaced=false
expect "explain pods" 'KIND: +Pod' kubectl explain pods
expect "explain nested field" 'containerPort.*-required-' kubectl explain pods.spec.containers.ports

expect "create pod from file" 'pod/http-go created' kubectl create -f "$M/http-go-pod.yaml"
expect_fail "create twice is AlreadyExists" 'Error from server \(AlreadyExists\).*pods "http-go" already exists' kubectl create -f "$M/http-go-pod.yaml"
expect "get pod" 'http-go +0/1 +Pending +0 +[0-9]+s' kubectl get pod
expect "get pod -o wide" 'NOMINATED NODE' kubectl get pod -o wide
expect "get pod -o name" '^pod/http-go$' kubectl get pod -o name
expect "get pod -o yaml has defaults" 'imagePullPolicy: Always' kubectl get pod http-go -o yaml
expect "get pod -o json" '"kind": "Pod"' kubectl get pod http-go -o json
expect_eq "jsonpath" "8080" kubectl get pod http-go -o jsonpath='{.spec.containers[0].ports[0].containerPort}'
expect "custom-columns" 'http-go +gasbugs/http-go' kubectl get pod -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[0].image
expect "describe pod" 'Containers:' kubectl describe pod http-go
expect "get -L app" 'http-go +0/1 +Pending +0 +[0-9]+s +http-go' kubectl get pod -L app
expect "get --show-labels" 'app=http-go' kubectl get pod --show-labels
expect_fail "get missing pod" 'Error from server \(NotFound\): pods "nope" not found' kubectl get pod nope

expect "create old apps/v1beta2 ReplicaSet verbatim" 'replicaset.apps/http-go-rs created' kubectl create -f "$M/http-go-rs.yaml"
eventually "get rs (the controller creates the pods)" 'http-go-rs +3 +3 +0' kubectl get rs
expect "describe rs" 'Replicas: +3 current / 3 desired' kubectl describe rs http-go-rs
expect "create rc" 'replicationcontroller/rc-http-go created' kubectl create -f "$M/rc-http-go.yaml"
eventually "get rc" 'rc-http-go +3 +3 +0' kubectl get rc
expect "create deployment" 'deployment.apps/http-go created' kubectl create -f "$M/http-go-deployment.yaml"
eventually "get deploy (the controller creates its ReplicaSet)" 'http-go +0/3 +3 +0' kubectl get deploy
expect "deployment defaults" 'maxSurge: 25%' kubectl get deploy http-go -o yaml
expect "get all" 'replicaset.apps/http-go-rs' kubectl get all

expect "run creates a pod" 'pod/custom-nginx created' kubectl run custom-nginx --image=nginx --port=8080
expect "run labels the pod" 'run=custom-nginx' kubectl get pod custom-nginx --show-labels
expect "create configmap" 'configmap/cfg created' kubectl create configmap cfg --from-literal=a=1 --from-literal=b=2
expect "get configmap" 'cfg +2' kubectl get cm cfg
expect "create secret" 'secret/s1 created' kubectl create secret generic s1 --from-literal=password=x
expect "get secret" 's1 +Opaque +1' kubectl get secret s1

expect "create deployment (protobuf body)" 'deployment.apps/web created' kubectl create deployment web --image=nginx --replicas=0
expect_eq "explicit zero replicas kept" "0" kubectl get deploy web -o jsonpath='{.spec.replicas}'
expect "create job" 'job.batch/j created' kubectl create job j --image=busybox
expect "job gets a generated selector" 'batch.kubernetes.io/controller-uid' kubectl get job j -o yaml
expect "create cronjob" 'cronjob.batch/cj created' kubectl create cronjob cj --image=busybox --schedule='*/5 * * * *'
expect "get cj" 'cj +\*/5 \* \* \* \*' kubectl get cj
expect "create ingress" 'ingress.networking.k8s.io/web created' kubectl create ingress web --rule="foo.com/bar=svc1:8080"
expect "ingress rules stored" 'foo.com' kubectl get ingress web
expect_eq "ingress backend" "svc1" kubectl get ingress web -o jsonpath='{.spec.rules[0].http.paths[0].backend.service.name}'
cat >"$E2E_DIR/res.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: res
spec:
  containers:
  - name: c
    image: nginx
    resources:
      requests:
        cpu: "0.5"
        memory: 1024Mi
      limits:
        cpu: "1"
        memory: 1024Mi
YAML
expect "pod with resources" 'pod/res created' kubectl create -f "$E2E_DIR/res.yaml"
expect_eq "quantities canonicalised" "500m 1Gi" kubectl get pod res -o jsonpath='{.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.requests.memory}'
expect_eq "QoS class" "Burstable" kubectl get pod res -o jsonpath='{.status.qosClass}'
expect "create namespace" 'namespace/test-namespace created' kubectl create namespace test-namespace
expect "create namespace from file" 'namespace/test-ns created' kubectl create -f "$M/test_ns.yaml"
expect "run in namespace" 'pod/p1 created' kubectl run p1 --image=busybox -n test-namespace
expect "get -n" 'p1 ' kubectl get po -n test-namespace
expect "get --all-namespaces" 'test-namespace +p1' kubectl get pod --all-namespaces
expect "get -A" 'default +http-go' kubectl get pod -A
expect_fail "create in missing namespace" 'Error from server \(NotFound\): namespaces "nowhere" not found' kubectl run p2 --image=busybox -n nowhere

expect "delete pod" 'pod "custom-nginx" deleted' kubectl delete pod custom-nginx
expect_fail "deleted pod is gone" 'NotFound' kubectl get pod custom-nginx
expect "delete -f" 'pod "http-go" deleted' kubectl delete -f "$M/http-go-pod.yaml"
expect "delete namespace" 'namespace "test-namespace" deleted' kubectl delete ns test-namespace
eventually "namespace content removed" 'No resources found|NotFound' kubectl get pod -n test-namespace
expect_fail "namespace is gone" 'NotFound' kubectl get ns test-namespace
expect_fail "default namespace cannot be deleted" 'Forbidden.*may not be deleted' kubectl delete ns default
expect "delete all --all" 'deleted' kubectl delete all --all
eventually "the kubernetes service comes back" 'service/kubernetes' kubectl get all
finish

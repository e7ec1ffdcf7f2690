#!/usr/bin/env bash
# Changing objects: apply (create, unchanged, configured), dry runs, field validation, patch
# (strategic, merge, json), set image, scale, edit, label and annotate.
source "$(dirname "$0")/lib.sh"
M=$(dirname "$0")/manifests
start_cluster
W=$E2E_DIR/work; mkdir -p "$W"
cp "$M/http-go-deployment.yaml" "$W/deploy.yaml"

expect "apply creates" 'deployment.apps/http-go created' kubectl apply -f "$W/deploy.yaml"
expect "apply again is unchanged" 'deployment.apps/http-go unchanged' kubectl apply -f "$W/deploy.yaml"
sed -i 's/replicas: 3/replicas: 4/' "$W/deploy.yaml"
expect "apply a change is configured" 'deployment.apps/http-go configured' kubectl apply -f "$W/deploy.yaml"
expect_eq "applied replicas" "4" kubectl get deploy http-go -o jsonpath='{.spec.replicas}'
expect "last-applied annotation" 'kubectl.kubernetes.io/last-applied-configuration' kubectl get deploy http-go -o yaml
expect_eq "generation bumped by spec changes" "2" kubectl get deploy http-go -o jsonpath='{.metadata.generation}'

sed 's/imagePullPolicy/x/; s/image: gasbugs\/http-go:v1/image: gasbugs\/http-go:v1\n        imagePullPolcy: Always/' "$W/deploy.yaml" > "$W/typo.yaml"
expect_fail "misspelt field refused" 'unknown field "spec.template.spec.containers\[0\].imagePullPolcy"' kubectl apply -f "$W/typo.yaml"
expect "misspelt field with --validate=false is dropped" 'configured|unchanged' kubectl apply --validate=false -f "$W/typo.yaml"
expect "dropped field is not stored" '^absent$' bash -c "kubectl get deploy http-go -o jsonpath='{.spec}' | grep -q imagePullPolcy || echo absent"

expect "dry-run=server create" 'pod/dry created \(server dry run\)' kubectl run dry --image=nginx --dry-run=server
expect_fail "dry-run wrote nothing" 'NotFound' kubectl get pod dry

expect "set image" 'deployment.apps/http-go image updated' kubectl set image deployment http-go http-go=gasbugs/http-go:v2
expect_eq "image changed" "gasbugs/http-go:v2" kubectl get deploy http-go -o jsonpath='{.spec.template.spec.containers[0].image}'
expect "patch strategic" 'deployment.apps/http-go patched' kubectl patch deployment http-go -p '{"spec": {"minReadySeconds": 10}}'
expect_eq "patched minReadySeconds" "10" kubectl get deploy http-go -o jsonpath='{.spec.minReadySeconds}'
expect "patch merge" 'patched' kubectl patch deployment http-go --type=merge -p '{"metadata":{"labels":{"tier":"web"}}}'
expect_eq "merge patch label" "web" kubectl get deploy http-go -o jsonpath='{.metadata.labels.tier}'
expect "patch json" 'patched' kubectl patch deployment http-go --type=json -p '[{"op":"replace","path":"/spec/replicas","value":2}]'
expect_eq "json patch replicas" "2" kubectl get deploy http-go -o jsonpath='{.spec.replicas}'
expect_fail "json patch test failure" 'Invalid|rejected' kubectl patch deployment http-go --type=json -p '[{"op":"test","path":"/spec/replicas","value":9}]'
expect "strategic merge adds a container by name" 'patched' kubectl patch deployment http-go -p '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}'
# Kubernetes puts list elements new to the server first when the patch has no element order.
expect_eq "both containers" "sidecar http-go" kubectl get deploy http-go -o jsonpath='{.spec.template.spec.containers[*].name}'
expect "strategic merge deletes by name" 'patched' kubectl patch deployment http-go -p '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}'
expect_eq "one container" "http-go" kubectl get deploy http-go -o jsonpath='{.spec.template.spec.containers[*].name}'

expect "scale deployment" 'deployment.apps/http-go scaled' kubectl scale deploy http-go --replicas=5
expect_eq "scaled" "5" kubectl get deploy http-go -o jsonpath='{.spec.replicas}'
expect_fail "scale with stale resourceVersion" 'Expected resource version to be 1' kubectl scale deploy http-go --replicas=6 --resource-version=1
kubectl create -f "$M/rc-http-go.yaml" >/dev/null
expect "scale rc" 'replicationcontroller/rc-http-go scaled' kubectl scale rc rc-http-go --replicas=10
expect_eq "scaled rc" "10" kubectl get rc rc-http-go -o jsonpath='{.spec.replicas}'

cat > "$W/editor.sh" <<'EDIT'
#!/bin/sh
sed -i 's/replicas: 10/replicas: 7/' "$1"
EDIT
chmod +x "$W/editor.sh"
expect "edit rc" 'replicationcontroller/rc-http-go edited' env KUBE_EDITOR="$W/editor.sh" kubectl edit rc rc-http-go
expect_eq "edited" "7" kubectl get rc rc-http-go -o jsonpath='{.spec.replicas}'

kubectl create -f "$M/http-go-pod.yaml" >/dev/null
kubectl run http-go-v2 --image=gasbugs/http-go:v2 >/dev/null
expect "label" 'pod/http-go-v2 labeled' kubectl label pod http-go-v2 test=foo
expect "label rel=beta" 'labeled' kubectl label pod http-go-v2 rel=beta
expect_fail "label without overwrite refused" "already has a value \(beta\)" kubectl label pod http-go-v2 rel=alpha
expect "label --overwrite" 'labeled' kubectl label pod http-go-v2 rel=alpha --overwrite
expect_eq "overwritten" "alpha" kubectl get pod http-go-v2 -o jsonpath='{.metadata.labels.rel}'
expect "label removal" 'unlabeled' kubectl label pod http-go-v2 rel-
expect_eq "removed" "" kubectl get pod http-go-v2 -o jsonpath='{.metadata.labels.rel}'
expect "annotate" 'pod/http-go annotated' kubectl annotate pod http-go key="test1234"
expect_eq "annotation" "test1234" kubectl get pod http-go -o jsonpath='{.metadata.annotations.key}'
kubectl label pod http-go env=prod >/dev/null
kubectl label pod http-go-v2 env=test rel=beta --overwrite >/dev/null
expect "selector env" 'http-go ' kubectl get pod --show-labels -l 'env'
kubectl run no-env --image=busybox >/dev/null
expect "selector !env" '^pod/no-env$' kubectl get pod -l '!env' -o name
expect "selector env!=test" '^pod/http-go$' kubectl get pod -l 'env!=test' -o name
expect "selector set" '^pod/http-go-v2$' kubectl get pod -l 'env in (test,qa)' -o name
expect "selector and" '^pod/http-go-v2$' kubectl get pod -l 'env!=prod,rel=beta' -o name
expect "field selector" '^pod/http-go$' kubectl get pod --field-selector metadata.name=http-go -o name
expect_fail "unknown field selector" 'field label not supported|not a known field selector' kubectl get pod --field-selector spec.foo=bar
expect "delete by selector" 'pod "http-go-v2" deleted' kubectl delete pod -l env=test
finish

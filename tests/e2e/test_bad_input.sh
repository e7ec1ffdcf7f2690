#!/usr/bin/env bash
# Bad input gets the Kubernetes Status error kubectl prints, and nothing stored is harmed.
source "$(dirname "$0")/lib.sh"
start_cluster
W=$E2E_DIR/work; mkdir -p "$W"
kubectl run keep --image=nginx >/dev/null
KEEP_UID=$(kubectl get pod keep -o jsonpath='{.metadata.uid}')

printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n' >"$W/bad.yaml"
expect_fail "malformed YAML file" 'error|yaml' kubectl create -f "$W/bad.yaml"
code=$(api -o "$W/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '{"kind":"Pod",' "$CUBE_URL/api/v1/namespaces/default/pods")
expect_eq "malformed JSON is 400" "400" echo "$code"
expect "malformed JSON is a BadRequest Status" '"reason":"BadRequest"' cat "$W/out"
code=$(api -o "$W/out" -w '%{http_code}' -X POST -H 'Content-Type: application/yaml' --data-binary $'kind: Pod\nmetadata: [a\n' "$CUBE_URL/api/v1/namespaces/default/pods")
expect_eq "malformed YAML body is 400" "400" echo "$code"
code=$(api -o "$W/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '[1,2]' "$CUBE_URL/api/v1/namespaces/default/pods")
expect_eq "non-object body is 400" "400" echo "$code"

cat >"$W/badname.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  containers:
  - name: c
    image: nginx
YAML
expect_fail "invalid name" 'The Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain' kubectl create -f "$W/badname.yaml"
cat >"$W/badport.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: badport
spec:
  containers:
  - name: c
    image: nginx
    ports:
    - containerPort: 70000
YAML
expect_fail "invalid port" 'spec.containers\[0\].ports\[0\].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive' kubectl create -f "$W/badport.yaml"
cat >"$W/nocontainers.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: empty
spec:
  containers: []
YAML
expect_fail "missing containers" 'spec.containers: Required value' kubectl create -f "$W/nocontainers.yaml"
cat >"$W/wrongtype.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: wrongtype
spec:
  containers:
  - name: c
    image: nginx
    ports:
    - containerPort: "eighty"
YAML
expect_fail "wrong field type" 'cannot unmarshal string into Go struct field' kubectl create -f "$W/wrongtype.yaml" --validate=false
cat >"$W/unknownkind.yaml" <<'YAML'
apiVersion: v1
kind: Potato
metadata:
  name: p
YAML
expect_fail "unknown kind" 'no matches for kind "Potato" in version "v1"' kubectl create -f "$W/unknownkind.yaml"
expect_fail "unknown resource type" "the server doesn't have a resource type \"potatoes\"" kubectl get potatoes
code=$(api -o "$W/out" -w '%{http_code}' "$CUBE_URL/apis/nope.example.com/v1/things")
expect_eq "unknown group path is 404" "404" echo "$code"

head -c 4000000 /dev/zero | tr '\0' 'a' >"$W/big.txt"
python3 - "$W/big.txt" "$W/big.json" <<'PY'
import json, sys
data = open(sys.argv[1]).read()
json.dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": data}}, open(sys.argv[2], "w"))
PY
code=$(api -o "$W/out" -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$W/big.json" "$CUBE_URL/api/v1/namespaces/default/configmaps")
expect_eq "oversized body is 413" "413" echo "$code"
expect "oversized body Status" '"reason":"RequestEntityTooLarge"' cat "$W/out"

RV=$(kubectl get pod keep -o jsonpath='{.metadata.resourceVersion}')
kubectl get pod keep -o json | python3 -c 'import json,sys; o=json.load(sys.stdin); o["metadata"]["resourceVersion"]="1"; o["metadata"]["labels"]={"x":"y"}; print(json.dumps(o))' >"$W/stale.json"
expect_fail "stale resourceVersion is a Conflict" 'Error from server \(Conflict\).*the object has been modified' kubectl replace -f "$W/stale.json"
# A uid in the body is a precondition (the kubelet's status patches carry the pod's uid).
kubectl get pod keep -o json | python3 -c 'import json,sys; o=json.load(sys.stdin); o["metadata"]["uid"]="0000"; o["metadata"]["labels"]={"x":"y"}; print(json.dumps(o))' >"$W/olduid.json"
expect_fail "replace of an object by another uid is a Conflict" \
  'Error from server \(Conflict\).*Precondition failed: UID in precondition: 0000, UID in object meta: ' \
  kubectl replace -f "$W/olduid.json"
expect_fail "a patch cannot change the uid" \
  'The Pod "keep" is invalid: metadata.uid: Invalid value: "0000": field is immutable' \
  kubectl patch pod keep --type=merge -p '{"metadata":{"uid":"0000"}}'
kubectl get pod keep -o json | python3 -c 'import json,sys; o=json.load(sys.stdin); o["metadata"]["resourceVersion"]="abc"; print(json.dumps(o))' >"$W/badrv.json"
expect_fail "malformed resourceVersion" 'BadRequest|invalid resource version' kubectl replace -f "$W/badrv.json"
code=$(api -o "$W/out" -w '%{http_code}' "$CUBE_URL/api/v1/namespaces/default/pods?labelSelector=a%20in%20(")
expect_eq "malformed label selector is 400" "400" echo "$code"
code=$(api -o "$W/out" -w '%{http_code}' "$CUBE_URL/api/v1/namespaces/default/pods?limit=1&continue=garbage")
expect_eq "bad continue token is 400" "400" echo "$code"
code=$(api -o "$W/out" -w '%{http_code}' -X PATCH -H 'Content-Type: application/json-patch+json' --data '{"op":"x"}' "$CUBE_URL/api/v1/namespaces/default/pods/keep")
expect "malformed json patch is refused" '^4[0-9][0-9]$' echo "$code"
code=$(api -o "$W/out" -w '%{http_code}' -X PATCH -H 'Content-Type: text/plain' --data 'x' "$CUBE_URL/api/v1/namespaces/default/pods/keep")
expect_eq "unknown patch type is 415" "415" echo "$code"
code=$(api -o "$W/out" -w '%{http_code}' -X PATCH -H 'Content-Type: application/apply-patch+yaml' --data 'x: y' "$CUBE_URL/api/v1/namespaces/default/pods/keep")
expect_eq "server-side apply is refused clearly for now" "415" echo "$code"

code=$(api -o "$W/out" -w '%{http_code}' -X DELETE "$CUBE_URL/api/v1/namespaces/default/pods/keep?propagationPolicy=Sometimes")
expect_eq "an unknown propagationPolicy is 400" "400" echo "$code"
expect "and says which values are supported" 'propagationPolicy: Unsupported value: \\"Sometimes\\": supported values: \\"Background\\", \\"Foreground\\", \\"Orphan\\"' cat "$W/out"
code=$(api -o "$W/out" -w '%{http_code}' -X DELETE "$CUBE_URL/api/v1/namespaces/default/configmaps?propagationPolicy=Sometimes")
expect_eq "also for a delete of a collection" "400" echo "$code"
expect_eq "the stored pod is untouched" "$KEEP_UID $RV" kubectl get pod keep -o jsonpath='{.metadata.uid} {.metadata.resourceVersion}'
expect "server still serves" 'keep' kubectl get pods
finish

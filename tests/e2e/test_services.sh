#!/usr/bin/env bash
# Services: cluster IP and node port allocation (requested, conflicting, released), expose,
# create service.
source "$(dirname "$0")/lib.sh"
M=$(dirname "$0")/manifests
start_cluster
W=$E2E_DIR/work; mkdir -p "$W"

expect "create NodePort service from file" 'service/http-go-svc created' kubectl create -f "$M/http-go-svc.yaml"
expect "service printed" 'http-go-svc +NodePort +10\.43\.[0-9]+\.[0-9]+ +<none> +80:30001/TCP' kubectl get svc http-go-svc
expect "describe svc" 'NodePort: +<unset> +30001/TCP' kubectl describe svc http-go-svc
sed 's/name: http-go-svc/name: other-svc/' "$M/http-go-svc.yaml" > "$W/conflict.yaml"
expect_fail "requested node port already allocated" 'spec.ports\[0\].nodePort: Invalid value: 30001: provided port is already allocated' kubectl create -f "$W/conflict.yaml"
sed 's/nodePort: 30001/nodePort: 80/' "$W/conflict.yaml" > "$W/range.yaml"
expect_fail "node port out of range" 'provided port is not in the valid range. The range of valid ports is 30000-32767' kubectl create -f "$W/range.yaml"

IP=$(kubectl get svc http-go-svc -o jsonpath='{.spec.clusterIP}')
cat > "$W/fixed-ip.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: fixed-ip
spec:
  clusterIP: $IP
  ports:
  - port: 80
YAML
expect_fail "requested cluster IP already allocated" 'provided IP is already allocated' kubectl create -f "$W/fixed-ip.yaml"
sed "s/clusterIP: $IP/clusterIP: 10.99.0.1/" "$W/fixed-ip.yaml" > "$W/bad-ip.yaml"
expect_fail "cluster IP outside the range" 'The range of valid IPs is 10.43.0.0/16' kubectl create -f "$W/bad-ip.yaml"

expect "delete service releases its port" 'service "http-go-svc" deleted' kubectl delete svc http-go-svc
expect "node port is free again" 'service/other-svc created' kubectl create -f "$W/conflict.yaml"
expect "released cluster IP can be requested" 'service/fixed-ip created' kubectl create -f "$W/fixed-ip.yaml"
expect_eq "requested IP honoured" "$IP" kubectl get svc fixed-ip -o jsonpath='{.spec.clusterIP}'

kubectl run redis --image=redis --labels=app=redis >/dev/null
expect "expose pod" 'service/redis-service exposed' kubectl expose pod redis --port=6379 --name redis-service
expect "exposed service selects the pod" 'app=redis' kubectl get svc redis-service -o wide
kubectl run custom-nginx --image=nginx --port=8080 >/dev/null
expect "expose pod with its port" 'service/custom-nginx exposed' kubectl expose pod custom-nginx
expect "exposed port" '8080/TCP' kubectl get svc custom-nginx
expect "create service clusterip" 'service/redis created' kubectl create service clusterip redis --tcp=6379:6379
expect "created service" 'redis +ClusterIP +10\.43\.' kubectl get svc redis
expect "headless service" 'service/headless created' kubectl create service clusterip headless --clusterip=None
expect "headless has no IP" 'headless +ClusterIP +None' kubectl get svc headless
expect "all services listed" 'kubernetes' kubectl get svc --all-namespaces

# Allocations survive a restart: the allocator is rebuilt from what is stored.
kill_cluster
start_cluster
expect_fail "allocations rebuilt after restart" 'provided port is already allocated' kubectl create -f "$M/http-go-svc.yaml"
finish

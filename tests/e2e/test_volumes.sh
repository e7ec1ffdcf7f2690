#!/bin/bash
# Pod volumes on a real node (`cube agent --runtime=crun`), driven with the real kubectl: seed
# 001's count + web-server pair sharing an emptyDir (busybox writes, httpd serves it read-only),
# emptyDir data kept across container restarts, configMap and secret files with items and modes
# (the secret on tmpfs), a downwardAPI labels file, subPath (made inside the volume, a file of a
# configMap), readOnly (writes fail), emptyDir `medium: Memory` as a tmpfs of its sizeLimit,
# hostPath DirectoryOrCreate, and the kubelet's FailedMount for a missing hostPath directory, a
# missing ConfigMap (the pod starts once it exists, and sees its update) and a
# persistentVolumeClaim (no sandbox, no IP meanwhile); fsGroup and supplementalGroups (`id`, the
# volumes' group and setgid); an emptyDir over its sizeLimit evicting its pod; a finished pod's
# volumes go; an agent kill -9 + restart leaves the pods
# alone and removes the volumes (a secret's tmpfs among them) of a pod deleted meanwhile, and
# deletion leaves no mount and no directory behind.
# Needs root and crun (skipped otherwise); runs in a network namespace of its own.
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

dump_agent_log() {
  [ "$E2E_FAILED" -gt 0 ] || return 0
  echo "--- agent log (tail) ---"; tail -40 "$E2E_DIR/agent-$NODE.log"
  echo "--- failed syncs ---"; grep -E "sync failed|WARN|ERROR" "$E2E_DIR/agent-$NODE.log" | tail -20
  echo "--- events ---"; kubectl get events 2>&1 | tail -20
  echo "--- pods ---"; kubectl get pods -o wide 2>&1
  if [ -n "${CUBE_E2E_KEEP_LOGS:-}" ]; then cp "$E2E_DIR"/*.log "$CUBE_E2E_KEEP_LOGS/"; fi
}
E2E_CLEANUP_HOOKS+=(dump_agent_log)

NODE=vol-1
DATA=$(crun_data_dir "$NODE")
import_test_images "$DATA" busybox-oci.tar http-echo-oci.tar

start_cluster
start_crun_agent "$NODE" --restart-backoff 1
eventually "the node registers Ready" "^$NODE +Ready " kubectl get node "$NODE" --no-headers
eventually "the node gets a podCIDR" "^10\." kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}'

row() { kubectl get pod "$1" --no-headers; }
field() { kubectl get pod "$1" -o jsonpath="$2"; }
events_of() { kubectl get events --field-selector "involvedObject.name=$1" -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}'; }
get() { curl -sS --max-time 2 "http://$1:8080/$2"; }
# The volume directories and mounts a pod (by uid) has on the node.
pod_dirs() { ls -d "$DATA/agent/pods/$1" 2>/dev/null; }
node_mounts() { awk -v d="$DATA/agent/pods/" 'index($5, d) == 1 {print $5, $9}' /proc/self/mountinfo; }

# --- seed 001: count + web-server sharing an emptyDir --------------------------------------------
# The seed's html-generator (count.sh: "Running loop seq N" into /var/htdocs/index.html) and its
# httpd web server, which mounts the volume read-only at its document root (here /www/html).
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: count
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 1
  containers:
  - image: cube-test/busybox:1
    name: html-generator
    command: ["sh", "-c", "i=0; while true; do echo \"Running loop seq \$i\" > /var/htdocs/index.html; i=\$((i+1)); sleep 1; done"]
    volumeMounts:
    - name: html
      mountPath: /var/htdocs
  - image: cube-test/http-echo:1
    name: web-server
    volumeMounts:
    - name: html
      mountPath: /www/html
      readOnly: true
    ports:
    - containerPort: 8080
      protocol: TCP
  volumes:
  - name: html
    emptyDir: {}
YAML
eventually "count is Running 2/2" "^count +2/2 +Running +0 " row count
COUNT_IP=$(field count '{.status.podIP}')
eventually "the web server serves what the generator writes" "^Running loop seq [0-9]+$" \
  get "$COUNT_IP" html/index.html
FIRST=$(get "$COUNT_IP" html/index.html | awk '{print $4}')
eventually "and it changes (the same directory, live)" "^Running loop seq ([1-9][0-9]*)$" \
  bash -c "v=\$(curl -sS --max-time 2 http://$COUNT_IP:8080/html/index.html); [ \"\${v##* }\" -gt $FIRST ] && echo \"\$v\""

# --- emptyDir data survives container restarts ----------------------------------------------------
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: restarts
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 1
  containers:
  - name: counter
    image: cube-test/busybox:1
    command: ["sh", "-c", "n=\$(cat /data/starts 2>/dev/null || echo 0); echo \$((n+1)) > /data/starts; sleep 1; exit 1"]
    volumeMounts: [{name: data, mountPath: /data}]
  - name: web
    image: cube-test/http-echo:1
    volumeMounts: [{name: data, mountPath: /www/data, readOnly: true}]
  volumes:
  - name: data
    emptyDir: {}
YAML
eventually "the counter container restarts" "^restarts +1/2 +(Error|CrashLoopBackOff|Running) +[2-9]" row restarts
RESTARTS_IP=$(field restarts '{.status.podIP}')
eventually "each start found the previous one's file (restarts + 1 starts)" "^[3-9]$" \
  get "$RESTARTS_IP" data/starts

# --- configMap, secret, downwardAPI, subPath, readOnly, Memory, hostPath ---------------------------
kubectl create configmap game --from-literal=game.properties=lives=3 \
  --from-literal=ui.properties=color=red --from-literal=app.conf=listen=80 >/dev/null
kubectl create secret generic creds --from-literal=username=admin --from-literal=password=s3cr3t >/dev/null
HOSTDIR="$E2E_DIR/host/made-by-pod"
# The script reports what the container sees, then serves the report with busybox httpd.
REPORT='
echo "game=$(cat /etc/game/conf/game)"
echo "game-mode=$(stat -L -c %a /etc/game/conf/game)"
echo "game-files=$(ls /etc/game | tr "\n" " ")"
echo "cfg-write=$(touch /etc/game/x 2>/dev/null && echo ok || echo denied)"
echo "password=$(cat /etc/creds/pw)"
echo "password-mode=$(stat -L -c %a /etc/creds/pw)"
echo "secret-fs=$(awk "\$2 == \"/etc/creds\" {print \$3}" /proc/mounts)"
echo "app.conf=$(cat /etc/app.conf)"
echo "labels=$(cat /etc/podinfo/labels | tr "\n" ",")"
echo "data" > /sub/x && echo "subpath=$(cat /scratch/a/b/x)"
echo "ro-write=$(touch /ro/f 2>/dev/null && echo ok || echo denied)"
echo "mem-fs=$(awk "\$2 == \"/mem\" {print \$3}" /proc/mounts)"
echo "mem-kb=$(df -k /mem | awk "NR == 2 {print \$2}")"
echo "host-write=$(echo hi > /host/hello && echo ok)"
'
printf '%s\n' "$REPORT" >"$E2E_DIR/report.sh"
kubectl create configmap report-script --from-file=report.sh="$E2E_DIR/report.sh" >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: inspect
  labels: {app: inspect, tier: "web"}
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: cube-test/busybox:1
    command: ["sh", "-c", "sh /report.sh > /tmp/report 2>&1; mkdir -p /tmp/out; mv /tmp/report /tmp/out/; exec httpd -f -p 8080 -h /tmp/out"]
    volumeMounts:
    - {name: game, mountPath: /etc/game}
    - {name: creds, mountPath: /etc/creds}
    - {name: game-all, mountPath: /etc/app.conf, subPath: app.conf}
    - {name: podinfo, mountPath: /etc/podinfo}
    - {name: scratch, mountPath: /sub, subPath: a/b}
    - {name: scratch, mountPath: /scratch}
    - {name: scratch, mountPath: /ro, readOnly: true}
    - {name: mem, mountPath: /mem}
    - {name: host, mountPath: /host}
    - {name: script, mountPath: /report.sh, subPath: report.sh}
  volumes:
  - name: game
    configMap:
      name: game
      items: [{key: game.properties, path: conf/game, mode: 0600}]
  - name: game-all
    configMap: {name: game}
  - name: creds
    secret:
      secretName: creds
      defaultMode: 0400
      items: [{key: password, path: pw}]
  - name: podinfo
    downwardAPI:
      items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
  - name: scratch
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: host
    hostPath: {path: $HOSTDIR, type: DirectoryOrCreate}
  - name: script
    configMap: {name: report-script}
YAML
eventually "inspect is Running 1/1" "^inspect +1/1 +Running +0 " row inspect
INSPECT_IP=$(field inspect '{.status.podIP}')
eventually "inspect serves its report" "host-write=" get "$INSPECT_IP" report
REPORT_OUT=$(get "$INSPECT_IP" report)
line() { grep -E "^$1=" <<<"$REPORT_OUT"; }
expect_eq "configMap item key -> path" "game=lives=3" line game
expect_eq "configMap item mode 0600" "game-mode=600" line game-mode
expect_eq "only the items are files" "game-files=conf " line game-files
expect_eq "configMap volumes are read-only" "cfg-write=denied" line cfg-write
expect_eq "secret item, decoded" "password=s3cr3t" line password
expect_eq "secret defaultMode 0400" "password-mode=400" line password-mode
expect_eq "the secret is on tmpfs" "secret-fs=tmpfs" line secret-fs
expect_eq "a configMap key as a file by subPath" "app.conf=listen=80" line app.conf
expect_eq "downwardAPI labels, sorted, quoted, one a line" 'labels=app="inspect",tier="web"' line labels
expect_eq "subPath a/b is made inside the emptyDir" "subpath=data" line subpath
expect_eq "readOnly: writes fail" "ro-write=denied" line ro-write
expect_eq "emptyDir medium Memory is a tmpfs" "mem-fs=tmpfs" line mem-fs
expect_eq "of its sizeLimit (16Mi)" "mem-kb=16384" line mem-kb
expect_eq "hostPath DirectoryOrCreate is writable" "host-write=ok" line host-write
expect_eq "the host sees the pod's file" "hi" cat "$HOSTDIR/hello"
INSPECT_UID=$(field inspect '{.metadata.uid}')
expect "the node keeps the pod's volumes in the kubelet's layout" \
  "kubernetes.io~secret/creds tmpfs" node_mounts
expect "configMap files use the ..data layout" "^\.\.data -> \.\.20" \
  bash -c "cd '$DATA/agent/pods/$INSPECT_UID/volumes/kubernetes.io~configmap/game' && find . -maxdepth 1 -name ..data -printf '%f -> %l\n'"

# --- FailedMount ----------------------------------------------------------------------------------
# failing_pod NAME VOLUME-YAML: a busybox pod with one volume "v" mounted at /v.
failing_pod() {
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: cube-test/busybox:1, command: ["sleep", "3600"], volumeMounts: [{name: v, mountPath: /v}]}
  volumes:
  - name: v
    $2
YAML
}
failing_pod nohost "hostPath: {path: $E2E_DIR/not-there, type: Directory}"
failing_pod late "configMap: {name: late}"
failing_pod claim "persistentVolumeClaim: {claimName: data}"
eventually "a missing hostPath Directory: FailedMount" \
  "FailedMount: MountVolume.SetUp failed for volume \"v\" : hostPath type check failed: $E2E_DIR/not-there is not a directory" \
  events_of nohost
expect "and the pod waits in ContainerCreating" "^nohost +0/1 +ContainerCreating +0 " row nohost
eventually "a missing ConfigMap: FailedMount" \
  "FailedMount: MountVolume.SetUp failed for volume \"v\" : configmap \"late\" not found" events_of late
expect "the pod waits in ContainerCreating" "^late +0/1 +ContainerCreating +0 " row late
eventually "a persistentVolumeClaim: FailedMount, not yet supported" \
  "FailedMount: MountVolume.SetUp failed for volume \"v\" : persistentVolumeClaim volumes are not supported on this node yet" \
  events_of claim
# The kubelet's order: volumes before the sandbox, so a pod held by FailedMount has no IP yet.
none_if_empty() { local out; out=$("$@"); if [ -z "$out" ]; then echo none; else echo "$out"; fi; }
expect "a pod held by FailedMount gets no sandbox and no IP" "^none$" \
  none_if_empty field nohost '{.status.podIP}'
expect "its PodReadyToStartContainers is False" "^False$" \
  field nohost '{.status.conditions[?(@.type=="PodReadyToStartContainers")].status}'
kubectl create configmap late --from-literal=k=v >/dev/null
eventually "once the ConfigMap exists, the pod runs" "^late +1/1 +Running +0 " row late
expect "and has its IP" "^10\." field late '{.status.podIP}'
kubectl create configmap late --from-literal=k=v2 --dry-run=client -o yaml | kubectl apply -f - >/dev/null 2>&1
eventually "a ConfigMap update reaches the running pod (10 s refresh)" "^v2$" \
  kubectl exec late -- cat /v/k

# --- fsGroup and supplementalGroups ---------------------------------------------------------------
# The Kubernetes docs' security-context example: uid 1000, gid 3000, fsGroup 2000, plus a
# supplemental group 4000; the volumes belong to group 2000 (setgid directories), so the
# process reads a configMap file of mode 0400 through its group.
kubectl create configmap groupcfg --from-literal=k=secret-ish >/dev/null
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: groups}
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 1
  securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000]}
  containers:
  - name: c
    image: cube-test/busybox:1
    command: ["sh", "-c", "id; cat /cfg/k; echo; sleep 3600"]
    volumeMounts: [{name: scratch, mountPath: /scratch}, {name: cfg, mountPath: /cfg}]
  volumes:
  - {name: scratch, emptyDir: {}}
  - {name: cfg, configMap: {name: groupcfg, defaultMode: 0400}}
YAML
eventually "groups is Running" "^groups +1/1 +Running +0 " row groups
# The container's own process, then kubectl exec: an exec runs with the container's whole
# process (crun exec --process), supplementary groups included.
eventually "its id shows fsGroup and supplementalGroups among the groups" \
  "^uid=1000 gid=3000 groups=2000,3000,4000$" kubectl logs groups
expect "so uid 1000 reads the 0440 configMap file through its group" "^secret-ish$" \
  kubectl logs groups
expect_eq "kubectl exec's id shows the same groups" "uid=1000 gid=3000 groups=2000,3000,4000" \
  kubectl exec groups -- id
expect_eq "so kubectl exec reads the 0440 configMap file too" "secret-ish" \
  kubectl exec groups -- cat /cfg/k
expect "the emptyDir is group 2000, rwx and setgid" "^drwxrwsrwx +[0-9]+ +0 +2000 " \
  kubectl exec groups -- ls -lnd /scratch
expect "what the process creates there gets group 2000 (setgid)" "^-rw-r--r-- +1 +1000 +2000 " \
  kubectl exec groups -- sh -c "echo x > /scratch/f && ls -ln /scratch/f"
expect "the configMap file is group 2000, 0400 plus group read" "^-r--r----- +1 +0 +2000 " \
  kubectl exec groups -- ls -lnL /cfg/k
expect "the configMap directory is setgid, group 2000" "^drwxr-sr-x +[0-9]+ +0 +2000 " \
  kubectl exec groups -- ls -lnd /cfg/..data/

# --- emptyDir sizeLimit: eviction ------------------------------------------------------------------
# dd writes 4 MiB into an emptyDir limited to 1Mi; the node measures it (every 10 s) and evicts
# the pod: Failed, reason Evicted, the kubelet's message and event, its container killed.
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  nodeName: $NODE
  terminationGracePeriodSeconds: 30
  containers:
  - name: c
    image: cube-test/busybox:1
    command: ["sh", "-c", "dd if=/dev/zero of=/data/fill bs=1M count=4 && sleep 3600"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, emptyDir: {sizeLimit: 1Mi}}
YAML
eventually "hog runs" "^hog +1/1 +Running +0 " row hog
HOG_UID=$(field hog '{.metadata.uid}')
eventually "hog is evicted: phase Failed, reason Evicted" "^Failed Evicted$" \
  field hog '{.status.phase} {.status.reason}'
expect_eq "with the kubelet's message" 'Usage of EmptyDir volume "data" exceeds the limit "1Mi". ' \
  field hog '{.status.message}'
expect "an Evicted event says so" \
  '^Evicted: Usage of EmptyDir volume "data" exceeds the limit "1Mi"\. ' events_of hog
expect "its container was killed (1 s grace, not its 30 s)" "^137$" \
  field hog '{.status.containerStatuses[0].state.terminated.exitCode}'
# kubectl's STATUS column prefers a container's terminated reason over status.reason, so an
# evicted pod whose container status is synced reads Error, as on a 1.22+ kubelet
# (kubernetes/kubernetes#105467); status.reason above is what says Evicted.
expect "kubectl get shows it stopped, not restarted" "^hog +0/1 +Error +0 " row hog
eventually "its volumes are removed" "^none$" none_if_empty pod_dirs "$HOG_UID"

# --- a finished pod's volumes go when it terminates (as the kubelet unmounts them) --------------
kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: done}
spec:
  nodeName: $NODE
  restartPolicy: Never
  containers:
  - {name: c, image: cube-test/busybox:1, command: ["sh", "-c", "echo x > /m/x"], volumeMounts: [{name: m, mountPath: /m}]}
  volumes:
  - {name: m, emptyDir: {medium: Memory}}
YAML
eventually "done is Completed" "^done +0/1 +Completed +0 " row done
DONE_UID=$(field done '{.metadata.uid}')
or_none() { local out; out=$("$@"); if [ -z "$out" ]; then echo none; else echo "$out"; fi; }
eventually "its tmpfs is unmounted and its directory removed" "^none$" or_none pod_dirs "$DONE_UID"

# --- agent kill -9 and restart --------------------------------------------------------------------
COUNT_UID=$(field count '{.metadata.uid}')
INSPECT_UID=$(field inspect '{.metadata.uid}')
kill -9 "$LAST_AGENT_PID"
wait "$LAST_AGENT_PID" 2>/dev/null
# A pod deleted while its node is down leaves volumes (a tmpfs secret among them) nobody asks
# about: housekeeping removes them once the agent is back. inspect goes; count stays.
expect "force-delete inspect while the agent is down" "deleted" \
  kubectl delete pod inspect --grace-period=0 --force
start_crun_agent "$NODE" --restart-backoff 1
eventually "the restarted agent adopts count's sandbox" "adopted sandbox" cat "$E2E_DIR/agent-$NODE.log"
eventually "its housekeeping removes the deleted pod's volumes and mounts" "^gone$" \
  bash -c "[ -e '$DATA/agent/pods/$INSPECT_UID' ] || grep -q '$INSPECT_UID' /proc/self/mountinfo ||
    echo gone"
expect "count still Running, no restart" "^count +2/2 +Running +0 " row count
expect "its volumes are still served" "^Running loop seq [0-9]+$" get "$COUNT_IP" html/index.html

# --- deletion leaves nothing ----------------------------------------------------------------------
kubectl delete pod count restarts nohost late claim done groups hog --wait=false >/dev/null
eventually "every pod is gone" "^No resources found" kubectl get pods
# The server removes a pod once its grace period ends (1 s here), which may be before the agent
# has finished its teardown: wait for the agent, not for the API.
eventually "no mount is left under the node's pods dir" "^none$" or_none node_mounts
eventually "no pod directory is left (count, adopted after the restart)" "^none$" \
  or_none pod_dirs "$COUNT_UID"
eventually "nor inspect's (its tmpfs volumes unmounted)" "^none$" or_none pod_dirs "$INSPECT_UID"
eventually "the pods dir is empty" "^none$" or_none ls -A "$DATA/agent/pods"
expect "the hostPath stays (it is the host's)" "hello" ls "$HOSTDIR"

finish

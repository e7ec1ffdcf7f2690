#!/bin/bash
# kubectl logs / exec / cp / attach / port-forward on a real crun node, through the API server
# to the agent's own server (--kubelet-port): CRI log files (-f, -c, --previous, --tail, --since,
# --timestamps, --limit-bytes, Kubernetes' errors), logs kept by the per-container log shim
# across an agent kill -9 (and what a shim costs), exec over WebSocket (exit codes, stdin,
# stderr, a TTY), cp both ways, attach (stdin: true and stdinOnce through the shim, several
# sessions, across an agent kill -9, a tty with resizes, kubectl run -i/-it with exit codes),
# port-forward to an http-echo pod, and an unreachable agent. Needs root and crun (skipped otherwise); runs in a network namespace of its own
# (own_netns.sh).
source "$(dirname "$0")/own_netns.sh"
source "$(dirname "$0")/lib.sh"

E2E_CLEANUP_HOOKS+=(dump_node_logs)

NODE=streams-1
DATA=$(crun_data_dir "$NODE")
import_test_images "$DATA" busybox-oci.tar http-echo-oci.tar

start_cluster
start_crun_agent "$NODE" --restart-backoff 1
eventually "the node registers Ready" "^$NODE +Ready " kubectl get node "$NODE" --no-headers
expect_eq "the node reports the agent's port, the kubelet's default" "10250" \
  kubectl get node "$NODE" -o jsonpath='{.status.daemonEndpoints.kubeletEndpoint.Port}'
eventually "the node gets a podCIDR" "^10\." kubectl get node "$NODE" -o jsonpath='{.spec.podCIDR}'

# pod NAME POLICY COMMAND-JSON: a one-container (named c) busybox pod on the node.
pod() {
  kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "$1"},
 "spec": {"nodeName": "$NODE", "restartPolicy": "$2", "terminationGracePeriodSeconds": 1,
          "containers": [{"name": "c", "image": "cube-test/busybox:1", "command": $3}]}}
YAML
}
row() { kubectl get pod "$1" --no-headers; }
# exit_code CMD...: runs CMD and prints its exit code.
exit_code() { "$@" >/dev/null 2>&1; echo $?; }

# --- logs ---------------------------------------------------------------------------------------
# stdout and stderr are two pipes: the pauses keep their lines in the order written.
pod logger Always '["sh", "-c", "echo one; sleep 0.2; echo two >&2; sleep 0.2; echo three; exec sleep 3600"]'
eventually "logger is Running" "^logger +1/1 +Running " row logger
# (eventually's pattern is one line: grep would take a pattern with newlines as three patterns.)
eventually "kubectl logs: stdout and stderr in order" "^one two three $" \
  bash -c "kubectl logs logger | tr '\n' ' '"
expect_eq "-c names the container" "$(printf 'one\ntwo\nthree')" kubectl logs logger -c c
expect_eq "--tail=1" "three" kubectl logs logger --tail=1
expect_eq "--limit-bytes=6" "$(printf 'one\ntw')" kubectl logs logger --limit-bytes=6
expect "--timestamps: RFC 3339 with nanoseconds before each line" \
  "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z one$" \
  kubectl logs logger --timestamps --tail=3
expect_eq "--since=1h keeps everything" "3" sh -c 'kubectl logs logger --since=1h | wc -l'
expect_eq "--since-time in the future: nothing" "" kubectl logs logger --since-time=2099-01-01T00:00:00Z
expect_fail "an unknown container" "container nope is not valid for pod logger" \
  kubectl logs logger -c nope
expect_fail "--previous without a restart" \
  'previous terminated container "c" in pod "logger" not found' kubectl logs logger --previous
LOGFILE=$(ls "$DATA"/agent/crun-runtime/pods/default_logger_*/c/0.log)
expect "the file is in the CRI format" \
  "^20[0-9-]{8}T[0-9:]{8}\.[0-9]{9}Z stderr F two$" sed -n 2p "$LOGFILE"

kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "duo"},
 "spec": {"nodeName": "$NODE", "terminationGracePeriodSeconds": 1,
          "containers": [{"name": "a", "image": "cube-test/busybox:1", "command": ["sleep", "3600"]},
                         {"name": "b", "image": "cube-test/busybox:1", "command": ["sleep", "3600"]}]}}
YAML
expect_fail "the API asks for a container of a two-container pod" \
  "a container name must be specified for pod duo, choose one of: \[a b\]" \
  kubectl get --raw /api/v1/namespaces/default/pods/duo/log
kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiter"},
 "spec": {"nodeName": "$NODE", "containers": [{"name": "c", "image": "cube-test/absent:1",
          "imagePullPolicy": "Never"}]}}
YAML
eventually "waiter waits for its image" "ErrImageNeverPull" row waiter
expect_fail "logs of a waiting container" \
  'container "c" in pod "waiter" is waiting to start: ErrImageNeverPull' kubectl logs waiter
# The kubelet's words, through kubectl's fallback from WebSocket to SPDY.
expect_fail "exec into a container that does not run" \
  'error: unable to upgrade connection: container not found \("c"\)' kubectl exec waiter -- true
expect_fail "attach to it" 'unable to upgrade connection: container not found \("c"\)' \
  kubectl attach waiter

pod ticker Never '["sh", "-c", "sleep 1; for i in 1 2 3; do echo tick $i; sleep 0.5; done"]'
eventually "ticker is Running" "^ticker +1/1 +Running " row ticker
expect_eq "logs -f follows the writes and ends with the container" \
  "$(printf 'tick 1\ntick 2\ntick 3')" timeout 30 kubectl logs -f ticker

pod crasher Always '["sh", "-c", "echo run $RANDOM$RANDOM; exit 1"]'
eventually "crasher restarted" "^crasher +0/1 +[A-Za-z]+ +[1-9]" row crasher
expect "--previous: the attempt before" "^run [0-9]+$" kubectl logs crasher --previous
expect "each attempt has its own file" "[0-9]+\.log [0-9]+\.log" \
  sh -c "ls $DATA/agent/crun-runtime/pods/default_crasher_*/c/ | tr '\n' ' '"

# --- attach before an agent restart: a container with stdin: true ---------------------------------
# reader echoes what it reads; its stdin stays open across sessions (no stdinOnce).
kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "reader"},
 "spec": {"nodeName": "$NODE", "terminationGracePeriodSeconds": 1,
          "containers": [{"name": "c", "image": "cube-test/busybox:1", "stdin": true,
                          "command": ["sh", "-c", "while read l; do echo got \$l; done; echo stdin ended; sleep 3600"]}]}}
YAML
eventually "reader is Running" "^reader +1/1 +Running " row reader
expect "attach -i: a line reaches the container's stdin" "" sh -c 'echo first | kubectl attach -i reader >/dev/null 2>&1'
eventually "the container read it" "^got first$" kubectl logs reader
READER_ID=$(kubectl get pod reader -o jsonpath='{.status.containerStatuses[0].containerID}')

# --- the log shim outlives the agent ------------------------------------------------------------
pod counter Always '["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 0.2; done"]'
eventually "counter is Running" "^counter +1/1 +Running " row counter
# What a shim costs: RSS counts the cube binary's shared pages; Pss and private are its own.
for pid in $(pgrep -x cube-log-shim); do
  awk -v pid="$pid" '/^(Rss|Pss|Private_Clean|Private_Dirty):/ {v[$1]=$2}
    END {print "measured: log shim " pid ": Rss " v["Rss:"] " KiB, Pss " v["Pss:"] " KiB, private " v["Private_Clean:"] + v["Private_Dirty:"] " KiB"}' \
    "/proc/$pid/smaps_rollup"
done
kill -9 "$LAST_AGENT_PID"
wait "$LAST_AGENT_PID" 2>/dev/null
COUNTER_LOG=$(ls "$DATA"/agent/crun-runtime/pods/default_counter_*/c/0.log)
BEFORE=$(wc -l <"$COUNTER_LOG")
eventually "with the agent dead, the container's output still reaches its log" \
  "^([0-9]+)$" sh -c "n=\$(wc -l <'$COUNTER_LOG'); [ \$n -gt $((BEFORE + 5)) ] && echo \$n"
start_crun_agent "$NODE" --restart-backoff 1
eventually "logs again after the agent's restart, nothing lost" "^line 1$" \
  sh -c 'kubectl logs counter | head -1'
eventually "the last line keeps growing" "^line ([3-9][0-9]|[0-9]{3,})$" kubectl logs counter --tail=1

# --- exec ---------------------------------------------------------------------------------------
eventually "exec: a command's output" "^hello$" kubectl exec logger -- echo hello
expect_eq "exec: the exit code travels" "3" exit_code kubectl exec logger -- sh -c 'exit 3'
expect_eq "exec: stdin" "x" sh -c 'echo x | kubectl exec -i logger -- cat'
expect_eq "exec: stderr stays stderr" "err" sh -c 'kubectl exec logger -- sh -c "echo err >&2" 2>&1 >/dev/null'
expect_eq "exec: a 1 MiB stdin comes through whole" "1048576" \
  sh -c 'head -c 1048576 /dev/zero | kubectl exec -i logger -- wc -c | tr -d " "'
# kubectl's size reaches the terminal on the resize channel. It may come just after the command
# started (crun sets an exec terminal's first size from its parent, racing the command, as a
# resize after start does under containerd), so the command waits for it a little.
cat >"$E2E_DIR/exec-it.sh" <<'SH'
stty rows 33 cols 101
exec kubectl exec -it logger -- sh -c 'for i in $(seq 50); do
  [ "$(stty size 2>/dev/null)" = "33 101" ] && break; sleep 0.1; done
  test -t 0 && echo isatty $(stty size)'
SH
expect "exec -it: a terminal, with kubectl's size" "isatty 33 101" \
  script -qc "bash $E2E_DIR/exec-it.sh" /dev/null
# The terminal is the container's own (crun makes it there): `tty` names a device that exists in
# the container, and an interactive shell gets job control.
expect "exec -it: the container's own terminal" "/dev/pts/[0-9]+ exists" \
  script -qc "kubectl exec -it logger -- sh -c 'test -e \$(tty) && echo \$(tty) exists'" /dev/null
expect_eq "exec -it: an interactive shell has job control" "started" \
  sh -c "script -qc \"kubectl exec -it logger -- sh -i -c 'echo started'\" /dev/null 2>&1 |
    tr -d '\r' | grep -E 'started|job control'"
expect_fail "exec in an unknown container" "container nope is not valid for pod logger" \
  kubectl exec logger -c nope -- true

# --- cp -----------------------------------------------------------------------------------------
printf 'to the pod\n' >"$E2E_DIR/up.txt"
expect "cp into the pod" "" kubectl cp "$E2E_DIR/up.txt" logger:/tmp/up.txt
expect_eq "the file is there" "to the pod" kubectl exec logger -- cat /tmp/up.txt
expect "cp out of the pod" "" kubectl cp logger:/tmp/up.txt "$E2E_DIR/down.txt"
expect_eq "and back" "to the pod" cat "$E2E_DIR/down.txt"

# --- attach -------------------------------------------------------------------------------------
expect "attach streams what the container writes from now on" "^line [0-9]+$" \
  sh -c 'timeout 3 kubectl attach counter 2>/dev/null | head -2 | tail -1'
expect "attach -i without stdin: true: the output, the input goes nowhere (no error)" \
  "^line [0-9]+$" sh -c 'echo x | timeout 3 kubectl attach -i counter 2>/dev/null | head -2 | tail -1'
# After the agent's kill -9 and restart (above): the same container, its shim's stdin and socket.
expect_eq "reader was not restarted by the agent's restart" "$READER_ID 0" \
  kubectl get pod reader -o jsonpath='{.status.containerStatuses[0].containerID} {.status.containerStatuses[0].restartCount}'
# Two sessions at once: a watcher without stdin sees what the other session's input caused.
kubectl attach reader >"$E2E_DIR/watch.out" 2>&1 &
WATCH_PID=$!
eventually "a watching session is attached" "got ping" \
  sh -c "echo ping | kubectl attach -i reader >/dev/null 2>&1; cat '$E2E_DIR/watch.out'"
expect "attach -i after the agent's restart, beside another session" "" \
  sh -c 'echo again | kubectl attach -i reader >/dev/null 2>&1'
eventually "stdout of one session's input goes to every session" "^got again$" cat "$E2E_DIR/watch.out"
kill "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
expect "without stdinOnce the container's stdin stays open" "^got first got ping.* got again $" \
  bash -c "kubectl logs reader | tr '\n' ' '"

# stdinOnce: the first session's end of input is the container's end of file.
kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "once"},
 "spec": {"nodeName": "$NODE", "restartPolicy": "Never",
          "containers": [{"name": "c", "image": "cube-test/busybox:1", "stdin": true,
                          "stdinOnce": true, "command": ["cat"]}]}}
YAML
eventually "once is Running" "^once +1/1 +Running " row once
expect_eq "attach -i with stdinOnce: cat gets end of file and the session ends with it" "hi once" \
  sh -c 'echo hi once | timeout 20 kubectl attach -i once 2>/dev/null'
eventually "once has completed" "^once +0/1 +Completed " row once

# kubectl run -i: a pod with stdin and stdinOnce, attached once Running, removed at the end.
expect_eq "run -i --rm: stdin through cat" "through cat" \
  sh -c 'echo through cat | timeout 60 kubectl run -i --rm --restart=Never runcat --image=cube-test/busybox:1 -- cat 2>/dev/null | grep -v "^pod .* deleted"'
expect_eq "run -i: the container's exit code is kubectl's" "7" \
  exit_code timeout 60 kubectl run -i --rm --restart=Never runexit --image=cube-test/busybox:1 -- sh -c 'cat; exit 7' </dev/null

# tty: true: one terminal, logged as stdout; kubectl run -it attaches with the terminal's size.
kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tty"},
 "spec": {"nodeName": "$NODE", "terminationGracePeriodSeconds": 1,
          "containers": [{"name": "c", "image": "cube-test/busybox:1", "tty": true,
                          "command": ["sh", "-c", "test -t 1 && echo stdout is a tty; echo err >&2; exec sleep 3600"]}]}}
YAML
eventually "tty is Running" "^tty +1/1 +Running " row tty
eventually "a tty's output is in the log, stderr too, as stdout" "^stdout is a tty err $" \
  bash -c "kubectl logs tty | tr -d '\r' | tr '\n' ' '"
expect "the CRI file has one stream" "^0$" \
  sh -c "grep -c ' stderr ' $DATA/agent/crun-runtime/pods/default_tty_*/c/0.log || true"
# The shell waits for a line (typed once kubectl is attached), then for kubectl's size (sent after
# its +1 redraw size), prints and exits 5. script(1) gives kubectl a terminal. timeout runs in the
# foreground: otherwise, when script's $SHELL (sh, in CI) does not exec bash, timeout makes a
# process group of its own, and kubectl, in the background, is stopped by SIGTTOU at its raw mode.
cat >"$E2E_DIR/run-it.sh" <<'SH'
stty rows 33 cols 101
exec timeout --foreground 60 kubectl run -it --rm --restart=Never tshell --image=cube-test/busybox:1 -- sh -c \
  'read x; for i in $(seq 100); do [ "$(stty size)" = "33 101" ] && break; sleep 0.1; done
   test -t 0 && echo isatty $(stty size); exit 5'
SH
echo go | script -qec "bash $E2E_DIR/run-it.sh" /dev/null >"$E2E_DIR/tty.out" 2>&1
echo "$?" >"$E2E_DIR/tty.rc"
expect "run -it: a terminal with kubectl's size (resize channel)" "isatty 33 101" \
  sh -c "tr -d '\r' <'$E2E_DIR/tty.out'"
expect_eq "run -it: the shell's exit code" "5" cat "$E2E_DIR/tty.rc"

# kubectl set image on a pod (seed 001's `kubectl set image`): the kubelet restarts the container
# with the new image, whatever the restartPolicy.
pod swap Never '["sleep", "3600"]'
eventually "swap is Running" "^swap +1/1 +Running +0 " row swap
expect "set image on a pod" "pod/swap image updated" kubectl set image pod/swap c=cube-test/http-echo:1
eventually "the container runs the new image, restarted once" "^cube-test/http-echo:1 1 true$" \
  kubectl get pod swap -o jsonpath='{.status.containerStatuses[0].image} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}'
expect "the Killing event says why" "Container c definition changed, will be restarted" \
  kubectl get events --field-selector involvedObject.name=swap,reason=Killing
# exec reaches the new instance (the status' containerID; a running state has none of its own).
expect "exec runs in the new image's container" "cgi-bin" kubectl exec swap -- ls /www

# --- port-forward (seed 001: an http-go-like pod reached through kubectl port-forward) ---------
kubectl apply -f - >/dev/null <<YAML
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
 "spec": {"nodeName": "$NODE", "terminationGracePeriodSeconds": 1,
          "containers": [{"name": "web", "image": "cube-test/http-echo:1"}]}}
YAML
eventually "web is Running" "^web +1/1 +Running " row web
kubectl port-forward web 8888:8080 >"$E2E_DIR/pf.out" 2>&1 &
PF_PID=$!
eventually "port-forward listens" "Forwarding from 127.0.0.1:8888 -> 8080" cat "$E2E_DIR/pf.out"
expect "port-forward: the pod answers on localhost:8888" "^Welcome! web$" curl -sS --max-time 10 http://127.0.0.1:8888/cgi-bin/index.cgi
expect "port-forward: a second connection too" "^Welcome! web$" curl -sS --max-time 10 http://127.0.0.1:8888/cgi-bin/index.cgi
kill "$PF_PID" 2>/dev/null
wait "$PF_PID" 2>/dev/null
# kubectl's fallback when WebSockets are off: a plain SPDY/3.1 upgrade.
KUBECTL_PORT_FORWARD_WEBSOCKETS=false kubectl port-forward web 8889:8080 >"$E2E_DIR/pf2.out" 2>&1 &
PF_PID=$!
eventually "port-forward over SPDY listens" "Forwarding from 127.0.0.1:8889 -> 8080" cat "$E2E_DIR/pf2.out"
expect "port-forward over SPDY: the pod answers" "^Welcome! web$" \
  curl -sS --max-time 10 http://127.0.0.1:8889/cgi-bin/index.cgi
kill "$PF_PID" 2>/dev/null
wait "$PF_PID" 2>/dev/null

# --- an agent that cannot be reached ------------------------------------------------------------
kill "$LAST_AGENT_PID"
wait "$LAST_AGENT_PID" 2>/dev/null
expect_fail "logs when the node's agent is down: the dial error" \
  "dial tcp [0-9.]+:10250: connect: connection refused" kubectl logs logger
start_crun_agent "$NODE" --restart-backoff 1  # to delete the pods
eventually "the agent is back" "^one" kubectl logs logger
kubectl delete pod --all --wait=false >/dev/null
eventually "the pods are gone" "^No resources" kubectl get pods
finish

# Shared helpers for end-to-end tests: each test script starts its own `cube server` on a free
# port in a temporary directory, drives the real kubectl against it, and cleans up (the server
# by PID, the directory) however it exits. Usage: source lib.sh; start_cluster; ...; finish.
set -u

CUBE_BIN=${1:?usage: test_X.sh path/to/cube}
E2E_PASSED=0
E2E_FAILED=0
E2E_DIR=$(mktemp -d /tmp/cube-e2e.XXXXXX)
CUBE_PID=""
export KUBECONFIG="$E2E_DIR/kubeconfig"
export KUBECTL_EXTERNAL_DIFF=""

AGENT_PIDS=()
LAST_AGENT_PID=""

# stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null
  return 0
}

# start_agent NAME ARGS...: starts `cube agent --runtime=fake` against this test's cluster with
# ARGS (node names, counts, timings); output in $E2E_DIR/agent-NAME.{out,log}. The PID is left in
# LAST_AGENT_PID; cleanup stops every agent started this way.
start_agent() {
  local name=$1
  shift
  "$CUBE_BIN" agent --runtime=fake --kubeconfig "$KUBECONFIG" "$@" \
    >"$E2E_DIR/agent-$name.out" 2>"$E2E_DIR/agent-$name.log" &
  LAST_AGENT_PID=$!
  AGENT_PIDS+=("$LAST_AGENT_PID")
}

# Functions run at cleanup after the agents are stopped, before the server and the temp dir go.
E2E_CLEANUP_HOOKS=()

cleanup() {
  for pid in "${AGENT_PIDS[@]}"; do stop_pid "$pid"; done
  for hook in "${E2E_CLEANUP_HOOKS[@]}"; do "$hook"; done
  if [ -n "$CUBE_PID" ] && kill -0 "$CUBE_PID" 2>/dev/null; then
    kill "$CUBE_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$CUBE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CUBE_PID" 2>/dev/null
  fi
  rm -rf "$E2E_DIR"
}
trap cleanup EXIT

# --- Real nodes: `cube agent --runtime=crun` ---------------------------------------------------

CRUN_NODES=()  # "data dir|bridge" of every crun agent started (restarts repeat an entry)

# The test images of tests/images/build.sh (busybox, http-echo, ...), built by build_test_images.
IMAGES="$E2E_DIR/images"
build_test_images() {
  [ -f "$IMAGES/busybox-oci.tar" ] && return 0
  bash "$(dirname "${BASH_SOURCE[0]}")/../images/build.sh" "$IMAGES" >/dev/null ||
    { echo "tests/images/build.sh failed"; exit 1; }
}

# import_test_images DATA_DIR ARCHIVE...: builds the test images and imports the named archives
# (e.g. busybox-oci.tar) into a node's data dir, as `cube image import --data-dir` does.
import_test_images() {
  local data=$1 archive paths=()
  shift
  build_test_images
  for archive in "$@"; do paths+=("$IMAGES/$archive"); done
  "$CUBE_BIN" image import --data-dir "$data" "${paths[@]}" >/dev/null ||
    { echo "cube image import failed"; exit 1; }
}

# crun_available: root and crun, as real containers need (tests skip otherwise).
crun_available() { [ "$(id -u)" = 0 ] && command -v crun >/dev/null 2>&1; }

# crun_data_dir NAME: the data dir of crun node NAME (images, containers, IPAM under agent/).
crun_data_dir() { echo "$E2E_DIR/crun-$1"; }

# start_crun_agent NAME ARGS...: starts one real node `cube agent --runtime=crun --node-name
# NAME` with its own data dir (crun_data_dir NAME, kept across restarts of the same NAME) and its
# own bridge (cubet<pid of the test>, or $CRUN_BRIDGE); output in $E2E_DIR/agent-NAME.{out,log}.
# The PID is left in LAST_AGENT_PID. At cleanup, after the agent is stopped, whatever its pods
# left is removed: containers, mounts under the data dir, network namespaces, cgroup dirs and
# the bridge.
start_crun_agent() {
  local name=$1
  shift
  local data bridge=${CRUN_BRIDGE:-cubet$$}
  data=$(crun_data_dir "$name")
  mkdir -p "$data"
  "$CUBE_BIN" agent --runtime=crun --node-name "$name" --kubeconfig "$KUBECONFIG" \
    --data-dir "$data" --bridge-name "$bridge" "$@" \
    >>"$E2E_DIR/agent-$name.out" 2>>"$E2E_DIR/agent-$name.log" &
  LAST_AGENT_PID=$!
  AGENT_PIDS+=("$LAST_AGENT_PID")
  track_crun_node "$data" "$bridge"
}

# track_crun_node DATA_DIR BRIDGE: what the pods of this real node leave is removed at cleanup
# (after the agents are stopped; a node embedded in the server needs the server stopped first).
track_crun_node() {
  CRUN_NODES+=("$1|$2")
  if [ ${#CRUN_NODES[@]} -eq 1 ]; then E2E_CLEANUP_HOOKS+=(cleanup_crun_nodes); fi
}

# crun_sandbox_of UID NAME: the sandbox id of the pod with this uid on crun node NAME.
crun_sandbox_of() {
  grep -l "\"podUid\":\"$1\"" "$(crun_data_dir "$2")"/agent/crun-runtime/sandboxes/*/sandbox.json \
    2>/dev/null | head -1 | xargs -r dirname | xargs -r basename
}

# Removes what the pods of a stopped crun agent left (nothing, when the test deleted its pods).
cleanup_crun_node() {
  local data=$1 bridge=$2 root="$1/agent/crun-runtime" id f uid d m
  # crun refuses this host's hybrid cgroups unless cgroup2 is unmounted in its own mount ns.
  for id in $(ls "$root/crun" 2>/dev/null); do
    unshare -m --propagation slave sh -c "umount -l /sys/fs/cgroup/unified 2>/dev/null; \
      crun --root '$root/crun' delete --force '$id'" >/dev/null 2>&1
  done
  for f in "$root"/sandboxes/*/sandbox.json; do
    [ -f "$f" ] || continue
    id=$(basename "$(dirname "$f")")
    uid=$(sed -n 's/.*"podUid":"\([^"]*\)".*/\1/p' "$f")
    if [ -n "$uid" ]; then
      for d in /sys/fs/cgroup/*/cube/pod"$uid"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
      done
    fi
    umount "/run/cube/netns/$id" 2>/dev/null
    rm -f "/run/cube/netns/$id"
  done
  awk -v dir="$data/" 'index($5, dir) == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  ip link del "$bridge" 2>/dev/null
  nft delete table ip "cube_hostports_${bridge//[^a-zA-Z0-9]/_}" 2>/dev/null
  return 0
}

cleanup_crun_nodes() {
  local node
  for node in "${CRUN_NODES[@]}"; do cleanup_crun_node "${node%%|*}" "${node##*|}"; done
}

# Starts the server (again, on the same data dir and port after a restart) and waits until it
# prints that it is ready. The server runs no node of its own (--disable-agent): tests add the
# nodes they need (start_agent, start_crun_agent), unless CUBE_EMBEDDED_AGENT=1.
# Extra server flags may be given; a restart (no arguments) reuses the previous ones.
CUBE_SERVER_FLAGS=()
start_cluster() {
  local port=${CUBE_PORT:-0} own=(--disable-agent)
  if [ $# -gt 0 ]; then CUBE_SERVER_FLAGS=("$@"); fi
  if [ "${CUBE_EMBEDDED_AGENT:-0}" = 1 ]; then own=(); fi
  # A restart must not find the previous server's "ready" line before the new one truncates it.
  rm -f "$E2E_DIR/server.out"
  "$CUBE_BIN" server --data-dir "$E2E_DIR/data" --port "$port" \
    --write-kubeconfig "$KUBECONFIG" "${own[@]}" "${CUBE_SERVER_FLAGS[@]}" \
    >"$E2E_DIR/server.out" 2>"$E2E_DIR/server.log" &
  CUBE_PID=$!
  for _ in $(seq 100); do
    if grep -q "is ready at" "$E2E_DIR/server.out" 2>/dev/null; then
      CUBE_PORT=$(sed -n 's/.*ready at http:\/\/[0-9.]*:\([0-9]*\).*/\1/p' "$E2E_DIR/server.out")
      CUBE_URL="http://127.0.0.1:$CUBE_PORT"
      return 0
    fi
    kill -0 "$CUBE_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:"; cat "$E2E_DIR/server.log"
  exit 1
}

# Stops the server with SIGKILL (no clean shutdown).
kill_cluster() {
  kill -9 "$CUBE_PID" 2>/dev/null
  wait "$CUBE_PID" 2>/dev/null
  CUBE_PID=""
}

pass() { E2E_PASSED=$((E2E_PASSED + 1)); echo "ok: $1"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); echo "FAIL: $1"; shift; printf '%s\n' "$@" | sed 's/^/    /'; }

# expect NAME PATTERN CMD...: CMD succeeds and its output (stdout+stderr) matches the extended
# regular expression PATTERN.
expect() {
  local name=$1 pattern=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -Eq -- "$pattern" <<<"$out"; then pass "$name"; else
    fail "$name" "command: $*" "exit: $rc" "wanted: $pattern" "got:" "$out"; fi
}

# expect_fail NAME PATTERN CMD...: CMD fails and its output matches PATTERN.
expect_fail() {
  local name=$1 pattern=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ $rc -ne 0 ] && grep -Eq -- "$pattern" <<<"$out"; then pass "$name"; else
    fail "$name" "command: $*" "exit: $rc (wanted non-zero)" "wanted: $pattern" "got:" "$out"; fi
}

# expect_eq NAME WANTED CMD...: CMD's stdout equals WANTED exactly.
expect_eq() {
  local name=$1 wanted=$2; shift 2
  local out
  out=$("$@" 2>&1)
  if [ "$out" == "$wanted" ]; then pass "$name"; else
    fail "$name" "command: $*" "wanted:" "$wanted" "got:" "$out"; fi
}

# eventually_for SECONDS NAME PATTERN CMD...: retries CMD (SECONDS * 5 tries, 0.2 s apart)
# until its output matches.
eventually_for() {
  local tries=$(($1 * 5)) name=$2 pattern=$3; shift 3
  local out
  for _ in $(seq "$tries"); do
    out=$("$@" 2>&1)
    if grep -Eq -- "$pattern" <<<"$out"; then pass "$name"; return; fi
    sleep 0.2
  done
  fail "$name" "command: $*" "wanted: $pattern" "got:" "$out"
}
# eventually NAME PATTERN CMD...: eventually_for 20 s.
eventually() { eventually_for 20 "$@"; }

# dump_node_logs: when a check failed, the tails of the crun node's agent log (agent-$NODE.log),
# the server's log and the events. A test registers it: E2E_CLEANUP_HOOKS+=(dump_node_logs).
dump_node_logs() {
  [ "$E2E_FAILED" -gt 0 ] || return 0
  echo "--- agent log (tail) ---"; tail -40 "$E2E_DIR/agent-$NODE.log"
  echo "--- server log (tail) ---"; tail -20 "$E2E_DIR/server.log"
  echo "--- events ---"; kubectl get events 2>&1 | tail -30
}

# curl against the API (loopback only).
api() { curl -sS "$@"; }

finish() {
  echo "$E2E_PASSED passed, $E2E_FAILED failed"
  if ! kill -0 "$CUBE_PID" 2>/dev/null && [ -n "$CUBE_PID" ]; then
    echo "the server died:"; tail -20 "$E2E_DIR/server.log"; exit 1
  fi
  [ "$E2E_FAILED" -eq 0 ]
  exit $?
}

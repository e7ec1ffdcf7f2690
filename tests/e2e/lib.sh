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

cleanup() {
  for pid in "${AGENT_PIDS[@]}"; do stop_pid "$pid"; done
  if [ -n "$CUBE_PID" ] && kill -0 "$CUBE_PID" 2>/dev/null; then
    kill "$CUBE_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$CUBE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$CUBE_PID" 2>/dev/null
  fi
  rm -rf "$E2E_DIR"
}
trap cleanup EXIT

# Starts the server (again, on the same data dir and port after a restart) and waits until it
# prints that it is ready.
# Extra server flags may be given; a restart (no arguments) reuses the previous ones.
CUBE_SERVER_FLAGS=()
start_cluster() {
  local port=${CUBE_PORT:-0}
  if [ $# -gt 0 ]; then CUBE_SERVER_FLAGS=("$@"); fi
  "$CUBE_BIN" server --data-dir "$E2E_DIR/data" --port "$port" \
    --write-kubeconfig "$KUBECONFIG" "${CUBE_SERVER_FLAGS[@]}" \
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

# eventually NAME PATTERN CMD...: retries CMD for up to 20 s until its output matches.
eventually() {
  local name=$1 pattern=$2; shift 2
  local out
  for _ in $(seq 100); do
    out=$("$@" 2>&1)
    if grep -Eq -- "$pattern" <<<"$out"; then pass "$name"; return; fi
    sleep 0.2
  done
  fail "$name" "command: $*" "wanted: $pattern" "got:" "$out"
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

# Sourced first by the tests of real containers: skips the test unless this is root with crun,
# and otherwise runs the whole test again inside a network namespace of its own, so the server,
# kubectl, the node's bridge and the pods' routes never touch the host's network. The namespace is
# entered with nsenter, not `ip netns exec`, which remounts /sys and hides the cgroup hierarchies
# from crun; it is deleted when the test ends, however it ends.
if [ -z "${CUBE_E2E_NETNS:-}" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v crun >/dev/null 2>&1; then
    echo "skipped: real containers need root and crun"
    exit 0
  fi
  NETNS=cube-e2e-$$
  ip netns add "$NETNS" || exit 1
  trap 'ip netns del "$NETNS" 2>/dev/null' EXIT
  nsenter --net="/run/netns/$NETNS" ip link set lo up
  CUBE_E2E_NETNS=$NETNS nsenter --net="/run/netns/$NETNS" bash "$0" "$@"
  exit $?
fi

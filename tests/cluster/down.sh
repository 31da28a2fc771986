#!/usr/bin/env bash
# Stops what up.sh started (by the PIDs it recorded, newest first), then removes the state.
# Set DENATIVE_CLUSTER_KEEP=1 to keep $DENATIVE_CLUSTER_DIR (logs, etcd data) for inspection.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${DENATIVE_CLUSTER_DIR:-$ROOT/.denative/cluster}
[ -d "$D/pids" ] || { echo "[cluster:down] nothing running in $D"; exit 0; }

stop() { # name
  local f="$D/pids/$1" pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    # Each process leads its own session/process group (setsid in up.sh).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "[cluster:down] $1 ($pid) did not stop on SIGTERM; killing" >&2
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
      sleep 0.2
    fi
  fi
  rm -f "$f"
}
for name in controller kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
  stop "$name"
done
left=$(ls "$D/pids" 2>/dev/null)
for name in $left; do stop "$name"; done
if [ "${DENATIVE_CLUSTER_KEEP:-}" = 1 ]; then
  echo "[cluster:down] stopped; state kept in $D"
else
  rm -rf "$D"
  echo "[cluster:down] stopped and removed $D"
fi

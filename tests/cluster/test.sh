#!/usr/bin/env bash
# `deno task test:cluster`: runs this tier against the cluster that `deno task cluster:up` started:
#   (a) the API behaviour suite of the local control plane (tests/apiserver), the files of it that
#       are written against a target server (they import tests/apiserver/target.ts), with
#       DENATIVE_TEST_KUBECONFIG pointing at the real kube-apiserver;
#   (b) tests/cluster/*_test.ts (the end-to-end tests).
# Extra arguments are passed to `deno test` (for example --filter). DENATIVE_CLUSTER_E2E=0 runs only
# (a); DENATIVE_CLUSTER_API_SUITE="file …" picks the API-suite files.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${DENATIVE_CLUSTER_DIR:-$ROOT/.denative/cluster}
cd "$ROOT"
if [ ! -f "$D/env" ] || ! kill -0 "$(cat "$D/pids/kube-apiserver" 2>/dev/null)" 2>/dev/null; then
  echo "test:cluster: no cluster is running in $D; run 'deno task cluster:up' first" >&2
  exit 1
fi
set -a
# shellcheck disable=SC1091
. "$D/env"
set +a
export DENATIVE_CLUSTER_DIR="$D" PATH="$DENATIVE_CLUSTER_BIN:$PATH"

# The fast tier's config excludes tests/cluster/ from `deno test`; use a copy without that.
deno eval 'const c = JSON.parse(Deno.readTextFileSync(Deno.args[0])); delete c.test;
  Deno.writeTextFileSync(Deno.args[1], JSON.stringify(c, null, 2));' "$ROOT/deno.json" "$D/deno.json"

api_files=()
if [ -n "${DENATIVE_CLUSTER_API_SUITE:-}" ]; then
  read -r -a api_files <<<"$DENATIVE_CLUSTER_API_SUITE"
elif [ -d tests/apiserver ]; then
  while IFS= read -r f; do api_files+=("$f"); done < <(
    grep -rlE "from \"(\./|\.\./)*target\.ts\"|tests/apiserver/target\.ts" tests/apiserver \
      --include='*_test.ts' 2>/dev/null | sort
  )
fi
if [ "${#api_files[@]}" -eq 0 ]; then
  echo "test:cluster: no API behaviour test files written against a target yet (tests/apiserver/*_test.ts importing target.ts)"
else
  echo "test:cluster: API behaviour suite against the real kube-apiserver: ${api_files[*]}"
fi
echo "test:cluster: server $DENATIVE_CLUSTER_SERVER, kubeconfig $DENATIVE_TEST_KUBECONFIG"
e2e=(tests/cluster/)
[ "${DENATIVE_CLUSTER_E2E:-1}" = 0 ] && e2e=()
exec deno test -A --config "$D/deno.json" --lock="$ROOT/deno.lock" "$@" "${api_files[@]}" "${e2e[@]}"

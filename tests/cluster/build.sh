#!/usr/bin/env bash
# Builds (once per version) kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and
# etcd from the pinned Go modules in this folder, and kwok with `go install`, into
# $DENATIVE_CLUSTER_CACHE (default $HOME/.cache/denative-cluster/v<k8s>-etcd<etcd>-kwok<kwok>/bin).
# Prints the bin directory as its last line. A second run only checks that the binaries exist.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
[ -x "$GO" ] || GO=/usr/local/go/bin/go
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
KEY="v${K8S_VERSION}-etcd${ETCD_VERSION}-kwok${KWOK_VERSION}"
BIN=${DENATIVE_CLUSTER_BIN:-${DENATIVE_CLUSTER_CACHE:-$HOME/.cache/denative-cluster}/$KEY/bin}
mkdir -p "$BIN"
JOBS=${DENATIVE_CLUSTER_BUILD_JOBS:-2}
NICE="nice -n 10"

need_k8s=0
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl etcd; do
  [ -x "$BIN/$b" ] || need_k8s=1
done

if [ "$need_k8s" = 1 ]; then
  grep -q "k8s.io/kubernetes v${K8S_VERSION}\$" "$HERE/go.mod" || { echo "go.mod does not pin k8s.io/kubernetes v${K8S_VERSION}" >&2; exit 1; }
  grep -q "go.etcd.io/etcd/server/v3 v${ETCD_VERSION}\$" "$HERE/go.mod" || { echo "go.mod does not pin etcd v${ETCD_VERSION}" >&2; exit 1; }
  MINOR=$(echo "$K8S_VERSION" | cut -d. -f2)
  # Upstream's hack/lib/version.sh sets these; without them /version says v0.0.0-master.
  BUILD_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  CB=k8s.io/component-base/version
  CG=k8s.io/client-go/pkg/version
  LDF="-s -w"
  for p in $CB $CG; do
    LDF="$LDF -X $p.gitVersion=v${K8S_VERSION} -X $p.gitMajor=1 -X $p.gitMinor=${MINOR}"
    LDF="$LDF -X $p.gitTreeState=clean -X $p.buildDate=${BUILD_DATE}"
  done
  # etcd reports its module version by itself (go.etcd.io/etcd/api/v3/version.Version).
  echo "building k8s v${K8S_VERSION} + etcd v${ETCD_VERSION} into $BIN (-p $JOBS) ..." >&2
  start=$(date +%s)
  tmp="$BIN.tmp.$$"
  mkdir -p "$tmp"
  (cd "$HERE" && $NICE "$GO" build -p "$JOBS" -trimpath -ldflags "$LDF" -o "$tmp/" ./cmd/...)
  mv -f "$tmp"/* "$BIN/" && rmdir "$tmp"
  echo "k8s binaries built in $(( $(date +%s) - start ))s" >&2
fi

if [ ! -x "$BIN/kwok" ]; then
  echo "building kwok v${KWOK_VERSION} ..." >&2
  start=$(date +%s)
  # kwok has its own module graph (no replaces); building it separately keeps MVS from
  # raising the k8s build's dependencies.
  (cd / && GOBIN="$BIN" GOFLAGS= $NICE "$GO" install -p "$JOBS" -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v${KWOK_VERSION}")
  echo "kwok built in $(( $(date +%s) - start ))s" >&2
fi

# kwok's stage definitions ship inside its module zip.
STAGES="$BIN/../stages"
if [ ! -d "$STAGES" ]; then
  src="$(GOFLAGS= "$GO" env GOMODCACHE)/sigs.k8s.io/kwok@v${KWOK_VERSION}/kustomize/stage"
  [ -d "$src" ] || (cd / && GOFLAGS= "$GO" mod download "sigs.k8s.io/kwok@v${KWOK_VERSION}" >/dev/null)
  mkdir -p "$STAGES.tmp" && cp -r "$src"/. "$STAGES.tmp"/ && chmod -R u+w "$STAGES.tmp" && mv "$STAGES.tmp" "$STAGES"
fi
echo "$BIN"

#!/usr/bin/env bash
# Starts a real Kubernetes control plane on loopback, built from Go modules (see build.sh):
# etcd, kube-apiserver (client-certificate auth, RBAC), kube-controller-manager, kube-scheduler
# and kwok with one fake Node. Writes the state to $DENATIVE_CLUSTER_DIR (default
# .denative/cluster): kubeconfig, pki/, logs/, pids/, env. Waits until everything is ready.
#
# Nothing here listens on or dials anything but 127.0.0.1. Pods get fake IPs from kwok
# (10.244.0.0/16) that nothing dials.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
D=${DENATIVE_CLUSTER_DIR:-$ROOT/.denative/cluster}
T0=$(date +%s)

log() { echo "[cluster:up +$(($(date +%s) - T0))s] $*" >&2; }
die() {
  echo "[cluster:up] ERROR: $*" >&2
  for f in "$D"/logs/*.log; do [ -f "$f" ] && { echo "--- tail $f" >&2; tail -n 30 "$f" >&2; }; done
  DENATIVE_CLUSTER_KEEP=1 "$HERE/down.sh" >&2 || true
  exit 1
}

command -v openssl >/dev/null || { echo "openssl is required (apt-get install -y openssl)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is required (apt-get install -y curl)" >&2; exit 1; }

if [ -f "$D/pids/kube-apiserver" ] && kill -0 "$(cat "$D/pids/kube-apiserver")" 2>/dev/null; then
  log "a cluster is already running in $D; run cluster:down first"
  exit 1
fi

BIN=$("$HERE/build.sh" | tail -n 1)
STAGES="$BIN/../stages"
log "binaries in $BIN"

rm -rf "$D"
mkdir -p "$D/pki" "$D/logs" "$D/pids" "$D/etcd"
chmod 700 "$D"

# --- free loopback ports -----------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
USED=" "
pick_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 30000))
    case "$USED" in *" $p "*) continue ;; esac
    if port_free "$p"; then USED="$USED$p "; echo "$p"; return 0; fi
  done
  return 1
}
ETCD_PORT=$(pick_port)
ETCD_PEER_PORT=$(pick_port)
API_PORT=$(pick_port)
KCM_PORT=$(pick_port)
SCHED_PORT=$(pick_port)
KWOK_PORT=$(pick_port)

# --- certificates --------------------------------------------------------------------------
P="$D/pki"
ssl() { openssl "$@" >>"$D/logs/openssl.log" 2>&1 || die "openssl $1 failed"; }
ssl req -x509 -newkey rsa:2048 -nodes -days 3 -subj "/CN=denative-cluster-ca" \
  -keyout "$P/ca.key" -out "$P/ca.crt"
sign() { # name subject [extfile-content]
  ssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$P/$1.key" -out "$P/$1.csr"
  printf '%s\n' "${3:-basicConstraints=CA:FALSE}" >"$P/$1.ext"
  ssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial -days 3 \
    -extfile "$P/$1.ext" -out "$P/$1.crt"
}
sign apiserver "/CN=kube-apiserver" \
  "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth"
sign admin "/O=system:masters/CN=denative-admin" "extendedKeyUsage=clientAuth"
sign kcm "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
sign scheduler "/CN=system:kube-scheduler" "extendedKeyUsage=clientAuth"
sign kwok "/O=system:masters/CN=kwok-controller" "extendedKeyUsage=clientAuth"
ssl genrsa -out "$P/sa.key" 2048
ssl rsa -in "$P/sa.key" -pubout -out "$P/sa.pub"
chmod 600 "$P"/*.key

kubeconfig() { # file cert-name
  local b64 ca crt key
  b64() { base64 -w0 <"$1"; }
  ca=$(b64 "$P/ca.crt")
  crt=$(b64 "$P/$2.crt")
  key=$(b64 "$P/$2.key")
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: denative-cluster
  cluster:
    server: https://127.0.0.1:${API_PORT}
    certificate-authority-data: ${ca}
users:
- name: $2
  user:
    client-certificate-data: ${crt}
    client-key-data: ${key}
contexts:
- name: denative-cluster
  context:
    cluster: denative-cluster
    user: $2
    namespace: default
current-context: denative-cluster
EOF
  chmod 600 "$1"
}
kubeconfig "$D/kubeconfig" admin
kubeconfig "$D/kcm.kubeconfig" kcm
kubeconfig "$D/scheduler.kubeconfig" scheduler
kubeconfig "$D/kwok.kubeconfig" kwok

# --- processes -----------------------------------------------------------------------------
start() { # name args...
  local name=$1
  shift
  # setsid: own session, so the process outlives this script and down.sh can kill its group.
  setsid "$@" >"$D/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$D/pids/$name"
}
alive() { kill -0 "$(cat "$D/pids/$1")" 2>/dev/null; }
wait_for() { # name seconds command...
  local name=$1 secs=$2
  shift 2
  local end=$(($(date +%s) + secs))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || die "$name exited"
    [ "$(date +%s)" -lt "$end" ] || die "$name not ready after ${secs}s"
    sleep 0.5
  done
}
CURL=(curl -sf --max-time 5 --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key")
KUBECTL=("$BIN/kubectl" --kubeconfig "$D/kubeconfig")

start etcd "$BIN/etcd" --name=denative --data-dir="$D/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="denative=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync=true --quota-backend-bytes=2147483648 --log-level=warn
wait_for etcd 60 curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
log "etcd ready on 127.0.0.1:$ETCD_PORT"

start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
  --service-cluster-ip-range=127.96.0.0/16 \
  --authorization-mode=Node,RBAC \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --enable-priority-and-fairness=false --profiling=false \
  --anonymous-auth=false \
  --v=1
wait_for kube-apiserver 180 "${CURL[@]}" "https://127.0.0.1:$API_PORT/readyz"
log "kube-apiserver ready on https://127.0.0.1:$API_PORT ($("${CURL[@]}" "https://127.0.0.1:$API_PORT/version" | grep -o '"gitVersion": *"[^"]*"'))"

start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig="$D/kcm.kubeconfig" \
  --authentication-kubeconfig="$D/kcm.kubeconfig" --authorization-kubeconfig="$D/kcm.kubeconfig" \
  --leader-elect=false --bind-address=127.0.0.1 --secure-port="$KCM_PORT" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
  --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
  --use-service-account-credentials=true \
  --cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
  --service-cluster-ip-range=127.96.0.0/16 --allocate-node-cidrs=false \
  --kube-api-qps=100 --kube-api-burst=200 \
  --concurrent-gc-syncs=5 \
  --v=1
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig="$D/scheduler.kubeconfig" \
  --authentication-kubeconfig="$D/scheduler.kubeconfig" \
  --authorization-kubeconfig="$D/scheduler.kubeconfig" \
  --leader-elect=false --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
  --v=1
wait_for kube-controller-manager 120 curl -skf --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
wait_for kube-scheduler 120 curl -skf --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
log "kube-controller-manager and kube-scheduler healthy"

# kwok: fake kubelets. Stages (shipped in kwok's module) make nodes Ready with heartbeats
# and pods Running/Ready; one extra stage keeps pods with an image on the fail.local registry
# in ErrImagePull (the same convention as the local control plane).
S="$STAGES"
cp "$HERE/stages/pod-image-pull-fail.yaml" "$D/pod-image-pull-fail.yaml"
awk '{ print }
  /^    matchExpressions:$/ && !done {
    print "    - key: '"'"'.spec.containers.[] | .image | select(startswith(\"fail.local/\")) | \"bad\"'"'"'"
    print "      operator: '"'"'NotIn'"'"'"
    print "      values: ['"'"'bad'"'"']"
    done = 1
  }' "$S/pod/fast/pod-ready.yaml" >"$D/pod-ready.yaml"
grep -q 'fail.local' "$D/pod-ready.yaml" || die "could not derive pod-ready.yaml from kwok's stage"
start kwok "$BIN/kwok" --kubeconfig="$D/kwok.kubeconfig" \
  --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --cidr=10.244.0.1/16 --node-ip=10.250.0.1 --node-lease-duration-seconds=40 \
  --server-address="127.0.0.1:$KWOK_PORT" \
  -c "$S/node/fast/node-initialize.yaml" \
  -c "$S/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
  -c "$D/pod-image-pull-fail.yaml" \
  -c "$D/pod-ready.yaml" \
  -c "$S/pod/fast/pod-complete.yaml" \
  -c "$S/pod/fast/pod-delete.yaml"
wait_for kwok 60 curl -sf --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz"

"${KUBECTL[@]}" apply -f "$HERE/node.yaml" >>"$D/logs/kubectl.log" 2>&1 || die "could not create the fake node"
wait_for kwok 60 "${KUBECTL[@]}" wait --for=condition=Ready node/kwok-node-0 --timeout=2s
# Pods need the default ServiceAccount (created by kube-controller-manager).
wait_for kube-controller-manager 60 "${KUBECTL[@]}" get serviceaccount default -n default
log "fake node kwok-node-0 Ready"

cat >"$D/env" <<EOF
DENATIVE_CLUSTER_BIN=$BIN
DENATIVE_CLUSTER_SERVER=https://127.0.0.1:$API_PORT
DENATIVE_TEST_KUBECONFIG=$D/kubeconfig
KUBECTL=$BIN/kubectl
ETCD_PORT=$ETCD_PORT
API_PORT=$API_PORT
KCM_PORT=$KCM_PORT
SCHED_PORT=$SCHED_PORT
KWOK_PORT=$KWOK_PORT
EOF
log "up in $(($(date +%s) - T0))s; kubeconfig: $D/kubeconfig (kubectl: $BIN/kubectl)"

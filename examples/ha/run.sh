#!/usr/bin/env bash
# Converge in high availability on one machine: three etcd members and two `converge serve` replicas on
# loopback, standing in for three hosts (see README.md next to this script).
#
#   examples/ha/run.sh          start everything, print how to use it, run until Ctrl-C
#   examples/ha/run.sh demo     start everything, then kill -9 the controller leader and one etcd member
#                               and show that writes and reconciliation carry on; exits when done
#
# Environment: CONVERGE (command that runs the CLI; default: `converge` on PATH, else this checkout's
# bin/converge.js, else its sources through tsx), ETCD (default: etcd on PATH), ETCD_CLIENT_PORTS
# (default "12379 22379 32379"), ETCD_PEER_PORTS ("12380 22380 32380"), CONVERGE_PORTS ("16443 16444"),
# LEASE (controller lease, default 15s; the demo uses 5s unless set), KEEP=1 to keep the data directory.
set -euo pipefail

mode="${1:-run}"
case "$mode" in
  run | demo) ;;
  -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [run|demo]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
if [[ -z "${CONVERGE:-}" ]]; then
  if command -v converge >/dev/null; then CONVERGE=converge
  elif [[ -f dist/src/cli/main.js ]]; then CONVERGE="node $root/bin/converge.js"
  else CONVERGE="node --import tsx $root/src/cli/main.ts"; fi
fi
ETCD="${ETCD:-$(command -v etcd || echo /usr/bin/etcd)}"
[[ -x "$ETCD" ]] || { echo "etcd not found (apt-get install etcd-server, or set ETCD=/path/to/etcd)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is required" >&2; exit 1; }

read -r -a client_ports <<<"${ETCD_CLIENT_PORTS:-12379 22379 32379}"
read -r -a peer_ports <<<"${ETCD_PEER_PORTS:-12380 22380 32380}"
read -r -a api_ports <<<"${CONVERGE_PORTS:-16443 16444}"
if [[ "$mode" == demo ]]; then lease="${LEASE:-5s}"; else lease="${LEASE:-15s}"; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/converge-ha.XXXXXX")"
declare -A pids=()
# True while process $1 runs (a child that exited but is not reaped yet is a zombie: "Z").
alive() { local state; state="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ "$state" != Z* ]]; }
# SIGTERMs the named processes, gives them 5 s, then SIGKILLs what is left, and reaps them all.
stop_group() {
  local name n=0
  for name in "$@"; do kill "${pids[$name]}" 2>/dev/null || true; done
  for name in "$@"; do
    while alive "${pids[$name]}" && ((n++ < 50)); do sleep 0.1; done
    kill -9 "${pids[$name]}" 2>/dev/null || true
    wait "${pids[$name]}" 2>/dev/null || true
  done
}
cleanup() {
  # A second Ctrl-C must not cut the cleanup short and leave processes behind.
  trap '' INT TERM
  trap - EXIT
  local name replicas_started=() members_started=()
  for name in "${!pids[@]}"; do
    if [[ "$name" == replica-* ]]; then replicas_started+=("$name"); else members_started+=("$name"); fi
  done
  # Replicas first, while etcd still has quorum to take their lease release; then the etcd members.
  ((${#replicas_started[@]} == 0)) || stop_group "${replicas_started[@]}"
  ((${#members_started[@]} == 0)) || stop_group "${members_started[@]}"
  if [[ "${KEEP:-0}" == 1 ]]; then echo "data and logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '\n== %s\n' "$*"; }

# Prints why, the end of every log, and exits (also from inside $(...), where KEEP=1 would be lost).
fail() {
  echo "$*" >&2
  for f in "$work"/*.log; do [[ -f "$f" ]] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done
  exit 1
}

# Waits until `curl URL` succeeds and its body matches PATTERN, or gives up after SECONDS.
wait_for() {
  local url="$1" pattern="$2" seconds="$3" what="$4" deadline=$((SECONDS + $3))
  until curl -fsS --max-time 1 ${ca:+--cacert "$ca"} "$url" 2>/dev/null | grep -q "$pattern"; do
    if ((SECONDS > deadline)); then fail "timed out after ${seconds}s waiting for $what ($url)"; fi
    sleep 0.2
  done
}

# --- three etcd members: a static cluster, each with its own data directory and ports ---------------
members=(m0 m1 m2)
initial_cluster=""
for i in 0 1 2; do initial_cluster+="${initial_cluster:+,}${members[i]}=http://127.0.0.1:${peer_ports[i]}"; done
endpoints=""
for i in 0 1 2; do endpoints+="${endpoints:+,}127.0.0.1:${client_ports[i]}"; done
client_list="${client_ports[*]}"
store="etcd://$endpoints/converge"

start_member() {
  local i="$1"
  "$ETCD" --name "${members[i]}" --data-dir "$work/etcd-${members[i]}" \
    --listen-client-urls "http://127.0.0.1:${client_ports[i]}" --advertise-client-urls "http://127.0.0.1:${client_ports[i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer_ports[i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer_ports[i]}" \
    --initial-cluster "$initial_cluster" --initial-cluster-token converge-ha-example --initial-cluster-state new \
    --logger zap --log-level warn >>"$work/etcd-${members[i]}.log" 2>&1 &
  pids[etcd-${members[i]}]=$!
}

log "starting etcd members ${members[*]} (clients on ${client_ports[*]}), data in $work"
for i in 0 1 2; do start_member "$i"; done
# /health is true only once the member sees an elected leader, i.e. the cluster has quorum.
for i in 0 1 2; do wait_for "http://127.0.0.1:${client_ports[i]}/health" '"health":"true"' 30 "etcd ${members[i]}"; done

# --- two Converge replicas on that cluster, sharing one simulated cloud -------------------------------
# Replicas of one control plane share what a client or a stored object depends on: the cluster CA (so one
# kubeconfig's CA data verifies both), the token file (a token works on both; each re-reads it on change),
# and the key that encrypts Secrets at rest (each must read what the other wrote). Replica a creates the CA
# and the token file on its first start; the encryption key is made up front, as an operator would.
replicas=(a b)
shared="$work/shared"
mkdir -p "$shared"
$CONVERGE secrets rotate-key --encryption-key-file "$shared/encryption-keys.json" >/dev/null
start_replica() {
  local i="$1" r="${replicas[$1]}"
  if [[ "$r" != a && ! -f "$work/replica-$r/pki/ca.crt" ]]; then
    mkdir -p "$work/replica-$r/pki"
    cp "$work/replica-a/pki/ca.crt" "$work/replica-a/pki/ca.key" "$work/replica-$r/pki/"
  fi
  # --sim-state: both replicas must see the same (simulated) cloud, as two real replicas manage one real cloud.
  $CONVERGE serve --store "$store" --listen "127.0.0.1:${api_ports[i]}" --data-dir "$work/replica-$r" \
    --token-file "$shared/tokens.json" --encryption-key-file "$shared/encryption-keys.json" \
    --sim-state "$work/sim.db" --lease-duration "$lease" >>"$work/replica-$r.log" 2>&1 &
  pids[replica-$r]=$!
}
# SIGKILLs one process started above and reaps it (quietly: bash would report "Killed").
kill9() { { kill -9 "${pids[$1]}" && wait "${pids[$1]}"; } 2>/dev/null || true; }
url_of() { echo "https://127.0.0.1:${api_ports[$1]}"; }
kubeconfig_of() { echo "$work/replica-${replicas[$1]}/kubeconfig.yaml"; }
ca="$work/replica-a/pki/ca.crt"

log "starting converge replicas ${replicas[*]} on ports ${api_ports[*]} (store $store, lease $lease)"
# One after the other: the second replica gets the first one's CA.
for i in 0 1; do
  start_replica "$i"
  wait_for "$(url_of "$i")/readyz" . 60 "replica ${replicas[i]}"
done
admin_token="$(sed -n 's/^ *token: *//p' "$(kubeconfig_of 0)" | head -n 1)"

lease_path=/apis/coordination.k8s.io/v1/namespaces/converge-system/leases/converge-controllers
# Prints the index of the replica holding the controller lease (asking replica $1), or nothing.
leader_index() {
  local holder i
  holder="$(curl -fsS --max-time 2 --cacert "$ca" -H "Authorization: Bearer $admin_token" "$(url_of "$1")$lease_path" 2>/dev/null |
    grep -o '"holderIdentity":"[^"]*"' | cut -d'"' -f4)" || return 0
  for i in 0 1; do
    if [[ -n "$holder" ]] && grep -q "replica $holder)" "$work/replica-${replicas[i]}.log"; then echo "$i"; return 0; fi
  done
}
wait_leader() {
  local ask="$1" want="${2:-}" deadline=$((SECONDS + $3)) got
  while :; do
    got="$(leader_index "$ask")"
    if [[ -n "$got" && ( -z "$want" || "$got" == "$want" ) ]]; then echo "$got"; return 0; fi
    if ((SECONDS > deadline)); then fail "no controller leader${want:+ on replica ${replicas[want]}} after ${3}s"; fi
    sleep 0.2
  done
}
leader="$(wait_leader 0 "" 60)"

cat <<EOF

Converge HA is up:
  etcd members     ${members[*]} on 127.0.0.1:{${client_list// /,}}
  replica a        $(url_of 0)   (logs: $work/replica-a.log)
  replica b        $(url_of 1)   (logs: $work/replica-b.log)
  controllers run on replica ${replicas[leader]} (holder of Lease converge-system/converge-controllers)

Both replicas serve the whole API (HTTPS, one CA, shared tokens); point the CLI at either one:
  $CONVERGE apply --kubeconfig $(kubeconfig_of 0) -f examples/quickstart/ --wait
  $CONVERGE get --kubeconfig $(kubeconfig_of 1) instances -A -o wide
  KUBECONFIG=$(kubeconfig_of 1) kubectl get leases -n converge-system
EOF

if [[ "$mode" == run ]]; then
  echo
  echo "Press Ctrl-C to stop everything (KEEP=1 keeps $work)."
  wait
  exit 0
fi

# --- demo: lose the leader replica and one etcd member, keep writing -------------------------------------
instance() {
  cat <<EOF
apiVersion: converge.io/v1alpha1
kind: Instance
metadata: {name: $1, namespace: default}
spec: {providerRef: {name: default}, image: debian-12, vcpus: 1, memoryMiB: 512}
EOF
}

survivor=$((1 - leader))
log "creating ha-before through the leader (replica ${replicas[leader]})"
instance ha-before | $CONVERGE apply --kubeconfig "$(kubeconfig_of "$leader")" -f - --wait --timeout 60s

log "kill -9 replica ${replicas[leader]} (the controller leader) and etcd member m1"
kill9 "replica-${replicas[leader]}"
kill9 etcd-m1
killed_at=$SECONDS

log "creating ha-after through replica ${replicas[survivor]} while it takes over"
instance ha-after | $CONVERGE apply --kubeconfig "$(kubeconfig_of "$survivor")" -f - --wait --timeout 90s
wait_leader "$survivor" "$survivor" 60 >/dev/null
echo "replica ${replicas[survivor]} holds the controller lease; ha-after Ready $((SECONDS - killed_at))s after the kills"

log "what replica ${replicas[survivor]} sees (two Instances, both Ready; the cluster runs on two of three etcd members)"
$CONVERGE get --kubeconfig "$(kubeconfig_of "$survivor")" instances

log "restarting etcd m1: it rejoins from its data directory and catches up"
start_member 1
wait_for "http://127.0.0.1:${client_ports[1]}/health" '"health":"true"' 30 "etcd m1"
echo "etcd m1 is back"
log "demo done"

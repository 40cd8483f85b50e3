#!/usr/bin/env bash
# Brings the Charter Fabric network up as native processes on 127.0.0.1:
# 3 Raft orderers (OrdererMSP), one peer each for Foundation, LabA and LabB,
# one chaincode server (CCaaS) per organisation, channel `charter` with the
# chaincode `charter` committed, checked by a real chaincode query.
#
#   network/up.sh            start; restarts on existing state when a previous
#                            run completed a deployment, otherwise creates
#                            everything from nothing
#   network/up.sh --fresh    wipe .charter/network/ and create from nothing
#   network/up.sh --bench    also deploy the calibration chaincode "bench"
#                            (bench:Put, for benchmarks and tests only; same
#                            as CHARTER_BENCH=1) and the bare put chaincode
#                            "bareput" (one PutState, plain shim); a network
#                            that has them keeps them across restarts, and a
#                            running network gets them without a restart
#
# Environment: CHARTER_PORT_OFFSET (shift all ports), CHARTER_CHAINCODE_BIN
# (use a prebuilt contractapi chaincode instead of building
# ./cmd/charter-chaincode), CHARTER_READY_TIMEOUT (seconds, default 90),
# CHARTER_LOG_SPEC (Fabric logging spec, default info),
# CHARTER_MAX_CLOCK_SKEW (passed to the chaincode servers), CHARTER_FOUNDERS
# (the founding MSP IDs the chaincode servers accept in a genesis; default:
# the three organisations),
# CHARTER_BENCH_CHAINCODE_BIN (a prebuilt calibration chaincode),
# CHARTER_BAREPUT_CHAINCODE_BIN (a prebuilt bare put chaincode),
# CHARTER_RAFT_TIMEOUT (seconds to wait for a Raft leader, default 30),
# CHARTER_KEEP_ON_FAILURE=1 (leave processes running when up fails),
# CHARTER_PPROF=1 (peers, orderers and calibration chaincodes serve pprof:
# ports in network/lib.sh), CHARTER_BATCH_TIMEOUT and
# CHARTER_BATCH_MAX_MESSAGES (the channel's batch settings when it is
# created; default 20ms and 200; benchmarks compare others with them).
# Settings that exist to price what Charter's defaults cost
# (docs/performance.md); set them on --fresh and on every later start:
# CHARTER_CHAINCODE_TLS=0 (peer <-> chaincode service in plain gRPC),
# CHARTER_GOSSIP=fabric (Fabric's own gossip intervals instead of 1 s),
# CHARTER_METRICS=0 (no Prometheus metrics on the peers; readiness then
# waits a fixed 5 s for gossip instead of reading its membership gauge; the
# orderers keep theirs, which is how the scripts find the Raft leader),
# CHARTER_HISTORY_DB=0 (the peers keep no history database: Charter's
# chaincode never calls GetHistoryForKey).
set -euo pipefail
for a in "$@"; do [ "$a" = --bench ] && export CHARTER_BENCH=1; done
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRESH=0
for a in "$@"; do
  case "$a" in
    --fresh) FRESH=1 ;;
    --bench) ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "up: unknown argument '$a' (try --help)" >&2; exit 2 ;;
  esac
done

# Fabric maps CORE_*/ORDERER_* variables onto its config: never inherit
# stray ones from the caller's shell (e.g. after sourcing an admin env file).
for v in $(compgen -e); do
  case "$v" in CORE_*|ORDERER_*|FABRIC_*|CHAINCODE_*) unset "$v" ;; esac
done
export PATH="$BIN:$PATH"
READY_TIMEOUT="${CHARTER_READY_TIMEOUT:-90}"
LOG_SPEC="${CHARTER_LOG_SPEC:-info}"
# Fabric's default log format colours its output; logs go to files here
LOG_FORMAT='%{time:2006-01-02 15:04:05.000 MST} %{id:04x} %{level:.4s} [%{module}] %{shortfunc} -> %{message}'
CC_BIN="${CHARTER_CHAINCODE_BIN:-$BIN/charter-chaincode}"
BENCH_BIN="${CHARTER_BENCH_CHAINCODE_BIN:-$BIN/charter-bench-chaincode}"
BAREPUT_BIN="${CHARTER_BAREPUT_CHAINCODE_BIN:-$BIN/charter-bareput-chaincode}"
CC_TLS=true
[ "${CHARTER_CHAINCODE_TLS:-1}" = 0 ] && CC_TLS=false
# Gossip: 1 s intervals, so a restarted or new peer is found in about a
# second (NETWORK-NOTES.md); CHARTER_GOSSIP=fabric keeps Fabric's (5 s/10 s/25 s).
GOSSIP_ENV=(CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL=1s
  CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s CORE_PEER_GOSSIP_DIALTIMEOUT=1s
  CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL=500ms)
[ "${CHARTER_GOSSIP:-}" = fabric ] && GOSSIP_ENV=()
METRICS_PROVIDER=prometheus
HISTORY_DB=true
[ "${CHARTER_HISTORY_DB:-1}" = 0 ] && HISTORY_DB=false
[ "${CHARTER_METRICS:-1}" = 0 ] && METRICS_PROVIDER=disabled

# ------------------------------------------------------------- output ---
T0=$(( ${EPOCHREALTIME/./} / 1000 ))
PHASE="" PHASE_T=0
phase() {
  local now=$(( ${EPOCHREALTIME/./} / 1000 ))
  [ -n "$PHASE" ] && printf 'up: %-52s %6d ms\n' "$PHASE" $((now - PHASE_T))
  PHASE="$1" PHASE_T=$now
}
STARTED=0
die() {
  echo "up: ERROR${PHASE:+ (phase: $PHASE)}: $*" >&2
  exit 1
}
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ] && [ "$STARTED" = 1 ]; then
    if [ "${CHARTER_KEEP_ON_FAILURE:-}" = 1 ]; then
      echo "up: failed; processes left running for inspection (CHARTER_KEEP_ON_FAILURE=1); logs in $LOGS" >&2
    elif [ "${PARTIAL:-0}" = 1 ]; then
      # a restart of some processes of a running network: the others were
      # serving and stay; the restarted ones may still come up
      echo "up: failed restarting ${stopped[*]:-}; every process is left running (the others were serving): network/status.sh shows them, logs in $LOGS" >&2
    else
      echo "up: failed; stopping the processes started so far (logs kept in $LOGS; set CHARTER_KEEP_ON_FAILURE=1 to keep them running)" >&2
      "$ROOT/network/down.sh" >&2 || true
    fi
  fi
  exit $rc
}
trap on_exit EXIT

log_tail() { [ -f "$1" ] && { echo "---- last lines of $1:"; tail -n "${2:-15}" "$1"; echo "----"; } >&2 || true; }

# ------------------------------------------------ background CLI jobs ---
BG_PIDS=() BG_LABELS=()
bgjob() { # bgjob LABEL cmd...   (output to $LOGS/cli/LABEL.log)
  local label="$1"; shift
  "$@" >"$LOGS/cli/$label.log" 2>&1 &
  BG_PIDS+=($!) BG_LABELS+=("$label")
}
# approve_commit NAME VERSION SEQUENCE PKGIDS JOB WHAT: every organisation
# approves chaincode NAME with its own package ID (the associative array
# named PKGIDS, by org) at the Raft leader, concurrently; then waits until
# the definition is approved by every organisation and commits it with
# every peer endorsing. JOB suffixes the log names ($LOGS/cli/approveJOB-ORG.log,
# commitJOB.log: "" for Charter's, "-bench" for the calibration chaincode);
# WHAT names the chaincode in errors.
approve_commit() {
  local name="$1" version="$2" sequence="$3" job="$5" what="$6" o out deadline
  local -n pkgids="$4"
  local ord="127.0.0.1:${ORD_PORT[$RAFT_LEADER]}"
  for o in "${ORGS[@]}"; do
    bgjob "approve$job-$o" as_admin "$o" peer lifecycle chaincode approveformyorg -o "$ord" \
      --tls --cafile "$ORDERER_TLS_CA" --channelID "$CHANNEL" --name "$name" \
      --version "$version" --sequence "$sequence" \
      --package-id "${pkgids[$o]}"
  done
  bg_wait
  deadline=$(( $(( ${EPOCHREALTIME/./} / 1000 )) + 15000 ))
  while :; do
    out="$(as_admin Foundation peer lifecycle chaincode checkcommitreadiness --channelID "$CHANNEL" \
      --name "$name" --version "$version" --sequence "$sequence" --output json 2>&1)" || true
    if echo "$out" | grep -q '"approvals"' && ! echo "$out" | grep -q 'false'; then break; fi
    [ "$(( ${EPOCHREALTIME/./} / 1000 ))" -lt "$deadline" ] || { echo "$out" >&2; die "$what definition not approved by every org"; }
    sleep 0.1
  done
  local peer_args=()
  for o in "${ORGS[@]}"; do
    peer_args+=(--peerAddresses "127.0.0.1:${PEER_PORT[$o]}" --tlsRootCertFiles "${PEER_TLSCA[$o]}")
  done
  as_admin Foundation peer lifecycle chaincode commit -o "$ord" --tls --cafile "$ORDERER_TLS_CA" \
    --channelID "$CHANNEL" --name "$name" --version "$version" --sequence "$sequence" \
    "${peer_args[@]}" >"$LOGS/cli/commit$job.log" 2>&1 || { log_tail "$LOGS/cli/commit$job.log"; die "$what commit failed"; }
}
bg_wait() {
  local i failed=()
  for i in "${!BG_PIDS[@]}"; do
    if ! wait "${BG_PIDS[$i]}"; then failed+=("${BG_LABELS[$i]}"); fi
  done
  for i in "${failed[@]}"; do log_tail "$LOGS/cli/$i.log" 20; done
  BG_PIDS=() BG_LABELS=()
  [ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]} (see $LOGS/cli/)"
}

# as_admin ORG cmd...: network/lib.sh
osn() { # osn ORDERER args...
  local n="$1"; shift
  local adm="$ORDERER_ADMIN_DIR/tls"
  osnadmin "$@" -o "127.0.0.1:${ORD_ADMIN[$n]}" --ca-file "$ORDERER_TLS_CA" \
    --client-cert "$adm/client.crt" --client-key "$adm/client.key"
}

# ------------------------------------------------------ process start ---
start_proc() { # start_proc NAME BINARY [VAR=value...] -- args...
  local name="$1" exe="$2"; shift 2
  local envs=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  [ -x "$exe" ] || die "binary $exe is missing (needed for $name)"
  echo "$exe" >"$PIDS/$name.exe"
  # nohup and env both exec: $! is the PID of the Fabric process itself
  nohup env "${envs[@]}" "$exe" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  STARTED=1
}

declare -A LOGOFF # where each orderer's log stood when this run started it
start_orderer() {
  local n="$1" d pprof=()
  d="${ORD_DIR[$n]}"
  [ "${CHARTER_PPROF:-}" = 1 ] && pprof=(ORDERER_GENERAL_PROFILE_ENABLED=true ORDERER_GENERAL_PROFILE_ADDRESS="127.0.0.1:${ORD_PPROF[$n]}")
  mkdir -p "$DATA/$n"
  LOGOFF[$n]=0
  [ -f "$LOGS/$n.log" ] && LOGOFF[$n]="$(wc -c <"$LOGS/$n.log")"
  start_proc "$n" "$BIN/orderer" \
    FABRIC_CFG_PATH="$CFG" FABRIC_LOGGING_SPEC="$LOG_SPEC" FABRIC_LOGGING_FORMAT="$LOG_FORMAT" \
    ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 \
    ORDERER_GENERAL_LISTENPORT="${ORD_PORT[$n]}" \
    ORDERER_GENERAL_LOCALMSPID=OrdererMSP \
    ORDERER_GENERAL_LOCALMSPDIR="$d/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$d/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$d/tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$d/tls/ca.crt]" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_GENERAL_CLUSTER_RPCTIMEOUT=2s \
    ORDERER_FILELEDGER_LOCATION="$DATA/$n/ledger" \
    ORDERER_CONSENSUS_WALDIR="$DATA/$n/etcdraft/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$DATA/$n/etcdraft/snapshot" \
    ORDERER_OPERATIONS_LISTENADDRESS="127.0.0.1:${ORD_OPS[$n]}" \
    ORDERER_METRICS_PROVIDER=prometheus \
    ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:${ORD_ADMIN[$n]}" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$d/tls/server.key" \
    ORDERER_ADMIN_TLS_CERTIFICATE="$d/tls/server.crt" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$ORDERER_TLS_CA]" \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    "${pprof[@]}" \
    --
}

# A peer receives no gRPC message over 9 MiB (Fabric's default is 100 MB):
# Charter's largest proposal is one 1 MiB JSON argument and a few bounded
# strings, its largest block AbsoluteMaxBytes (8 MB, below), so a 10 MB
# proposal is refused by gRPC before the peer allocates it
# (test/hostile_test.go; docs/faults.md).
PEER_MAX_RECV=$((9 * 1024 * 1024))
start_peer() {
  local o="$1" k="${ORG_KEY[$1]}" d pprof=()
  d="${PEER_DIR[$o]}"
  [ "${CHARTER_PPROF:-}" = 1 ] && pprof=(CORE_PEER_PROFILE_ENABLED=true CORE_PEER_PROFILE_LISTENADDRESS="127.0.0.1:${PEER_PPROF[$o]}")
  mkdir -p "$DATA/peer-$k"
  start_proc "peer-$k" "$BIN/peer" \
    FABRIC_CFG_PATH="$CFG" FABRIC_LOGGING_SPEC="$LOG_SPEC" FABRIC_LOGGING_FORMAT="$LOG_FORMAT" \
    CORE_PEER_ID="${PEER_HOST[$o]}" \
    CORE_PEER_NETWORKID=charter \
    CORE_PEER_LISTENADDRESS="127.0.0.1:${PEER_PORT[$o]}" \
    CORE_PEER_ADDRESS="127.0.0.1:${PEER_PORT[$o]}" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:${PEER_CC[$o]}" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:${PEER_CC[$o]}" \
    CORE_PEER_GOSSIP_BOOTSTRAP="127.0.0.1:${PEER_PORT[$o]}" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="127.0.0.1:${PEER_PORT[$o]}" \
    "${GOSSIP_ENV[@]}" \
    CORE_PEER_LOCALMSPID="${o}MSP" \
    CORE_PEER_MSPCONFIGPATH="$d/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$d/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$d/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$d/tls/ca.crt" \
    CORE_PEER_GATEWAY_ENABLED=true \
    CORE_PEER_MAXRECVMSGSIZE="$PEER_MAX_RECV" \
    CORE_PEER_FILESYSTEMPATH="$DATA/peer-$k" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$DATA/peer-$k/snapshots" \
    CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE="$HISTORY_DB" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:${PEER_OPS[$o]}" \
    CORE_METRICS_PROVIDER="$METRICS_PROVIDER" \
    "${pprof[@]}" \
    -- node start
}

start_ccserver() { # start_ccserver ORG [bench|bareput]
  local o="$1" k="${ORG_KEY[$1]}" d pkgid name="cc-${ORG_KEY[$1]}" exe="$CC_BIN" port="${CCS_PORT[$1]}"
  d="${PEER_DIR[$o]}"
  pkgid="${PKGID[$o]}"
  # after an upgrade the organisation runs the build its approval named
  if [ -f "$CCDIR/$k/binary" ]; then read -r exe <"$CCDIR/$k/binary"; fi
  local extra=()
  if [ "${2:-}" = bench ]; then
    name="bench-$k" exe="$BENCH_BIN" port="${BCC_PORT[$o]}" pkgid="${BENCH_PKGID[$o]}"
    [ "${CHARTER_PPROF:-}" = 1 ] && extra+=(CHARTER_PPROF_ADDR="127.0.0.1:${BCC_PPROF[$o]}")
  elif [ "${2:-}" = bareput ]; then
    name="bareput-$k" exe="$BAREPUT_BIN" port="${BPC_PORT[$o]}" pkgid="${BAREPUT_PKGID[$o]}"
    [ "${CHARTER_PPROF:-}" = 1 ] && extra+=(CHARTER_PPROF_ADDR="127.0.0.1:${BPC_PPROF[$o]}")
  fi
  [ -n "${CHARTER_MAX_CLOCK_SKEW:-}" ] && extra+=(CHARTER_MAX_CLOCK_SKEW="$CHARTER_MAX_CLOCK_SKEW")
  # Each organisation's chaincode server knows the consortium's founders and
  # endorses no genesis that names others (README: the founding act).
  if [ -z "${2:-}" ]; then
    local founders="" f
    for f in "${ORGS[@]}"; do founders+="${founders:+,}${f}MSP"; done
    extra+=(CHARTER_FOUNDERS="${CHARTER_FOUNDERS:-$founders}")
  fi
  start_proc "$name" "$exe" \
    CHAINCODE_SERVER_ADDRESS="127.0.0.1:$port" \
    CORE_CHAINCODE_ID_NAME="$pkgid" \
    CORE_PEER_LOCALMSPID="${o}MSP" \
    CORE_PEER_TLS_ENABLED="$CC_TLS" \
    CORE_TLS_CLIENT_CERT_FILE="$d/tls/server.crt" \
    CORE_TLS_CLIENT_KEY_FILE="$d/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$d/tls/ca.crt" \
    "${extra[@]}" \
    --
}

# start_ca ORG: the organisation's CA (fabric-ca-server, TLS on) in
# $CADIR/<org>: it signs with the organisation's MSP root CA (cryptogen's
# certificate and key), so what it enrolls is valid in the channel's MSP
# definition, and makes its TLS certificate from that CA (SANs 127.0.0.1,
# localhost). Its bootstrap identity "registrar" (secret in
# $CADIR/<org>/registrar.secret, 0600) registers and revokes the
# organisation's members (network/member.sh). Its SQLite database keeps the
# registrations and revocations across restarts. A network created before
# the CAs existed gets its CA on the next start.
start_ca() {
  local o="$1" k="${ORG_KEY[$1]}" home="$CADIR/${ORG_KEY[$1]}" secret cadir
  cadir="$CRYPTO/peerOrganizations/${ORG_DOMAIN[$o]}/ca"
  ca_root "$o"
  [ -f "$REPLY" ] && [ -f "$cadir/priv_sk" ] || die "the $o root CA ($cadir) is missing: run network/up.sh --fresh"
  mkdir -p "$home"
  if [ ! -s "$home/registrar.secret" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$home/registrar.secret")
  fi
  secret="$(<"$home/registrar.secret")"
  start_proc "ca-$k" "$BIN/fabric-ca-server" \
    FABRIC_CA_SERVER_HOME="$home" \
    FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="127.0.0.1:${CA_OPS[$o]}" \
    FABRIC_CA_SERVER_BOOT="registrar:$secret" \
    -- start --address 127.0.0.1 --port "${CA_PORT[$o]}" --tls.enabled \
    --ca.name "ca-$k" --ca.certfile "$REPLY" --ca.keyfile "$cadir/priv_sk" \
    --csr.hosts "127.0.0.1,localhost,ca.${ORG_DOMAIN[$o]}"
}

# wait_healthy NAME... : operations /healthz for Fabric nodes, TCP for chaincode servers
wait_healthy() {
  local deadline=$(( $(( ${EPOCHREALTIME/./} / 1000 )) + 30000 )) pending=("$@") next n o url port
  while [ ${#pending[@]} -gt 0 ]; do
    next=()
    for n in "${pending[@]}"; do
      proc_pid "$n"
      if ! pid_alive "$REPLY"; then
        log_tail "$LOGS/$n.log" 25
        die "$n exited during start-up (log: $LOGS/$n.log)"
      fi
      case "$n" in
        orderer*) url="http://127.0.0.1:${ORD_OPS[$n]}/healthz" ;;
        peer-*) o="${PROC_ORG[$n]}"; url="http://127.0.0.1:${PEER_OPS[$o]}/healthz" ;;
        cc-*) o="${PROC_ORG[$n]}"; url="" port="${CCS_PORT[$o]}" ;;
        bench-*) o="${PROC_ORG[$n]}"; url="" port="${BCC_PORT[$o]}" ;;
        ca-*) o="${PROC_ORG[$n]}"; url="http://127.0.0.1:${CA_OPS[$o]}/healthz" ;;
        bareput-*) o="${PROC_ORG[$n]}"; url="" port="${BPC_PORT[$o]}" ;;
      esac
      if [ -n "$url" ]; then
        curl -fsS -m 1 "$url" >/dev/null 2>&1 || next+=("$n")
      else
        tcp_open "$port" || next+=("$n")
      fi
    done
    pending=("${next[@]}")
    [ ${#pending[@]} -eq 0 ] && break
    if [ "$(( ${EPOCHREALTIME/./} / 1000 ))" -ge "$deadline" ]; then
      for n in "${pending[@]}"; do log_tail "$LOGS/$n.log"; done
      die "not healthy after 30s: ${pending[*]} (logs in $LOGS)"
    fi
    sleep 0.05
  done
}

# metric FILE NAME -> REPLY = the value of the first sample NAME{...} in a
# Prometheus text dump (empty when absent)
metric() {
  REPLY="$(awk -v m="$2" 'index($0, m) == 1 && (substr($0, length(m) + 1, 1) == "{" || substr($0, length(m) + 1, 1) == " ") { print $NF; exit }' "$1" 2>/dev/null)"
  REPLY="${REPLY%%.*}"
}

# raft_report [brief]: what each orderer knows about the Raft cluster of
# the channel, from its metrics and from its log since this start: alive,
# leader, active nodes, committed block, the membership it applied while
# replaying its WAL, whom it heard from (vote requests and answers) and
# the send failures it logged; then what that means.
raft_report() {
  local brief="${1:-}" n o id lf m members heard votedfor sent fails replayed want=${#ORDERERS[@]} lines=() hints=()
  local -A ID_OF=([orderer1]=1 [orderer2]=2 [orderer3]=3) MEMBERS HEARD
  m="$(mktemp)"
  for n in "${ORDERERS[@]}"; do
    id="${ID_OF[$n]}"
    proc_pid "$n"
    if ! pid_alive "$REPLY"; then
      lines+=("$n: process not running (log: $LOGS/$n.log)")
      hints+=("$n exited: read the end of $LOGS/$n.log")
      continue
    fi
    if ! curl -fsS -m 1 "http://127.0.0.1:${ORD_OPS[$n]}/metrics" >"$m" 2>/dev/null; then
      lines+=("$n: pid $REPLY, metrics endpoint 127.0.0.1:${ORD_OPS[$n]} not answering")
      continue
    fi
    local leader active block egress ingress dropped
    metric "$m" consensus_etcdraft_is_leader; leader="${REPLY:-?}"
    metric "$m" consensus_etcdraft_active_nodes; active="${REPLY:-?}"
    metric "$m" consensus_etcdraft_committed_block_number; block="${REPLY:-?}"
    metric "$m" cluster_comm_egress_stream_count; egress="${REPLY:-0}"
    metric "$m" cluster_comm_ingress_stream_count; ingress="${REPLY:-0}"
    dropped="$(awk '/^cluster_comm_msg_dropped_count/ { s += $NF } END { print s + 0 }' "$m")"
    # the log since this start
    lf="$LOGS/$n.log"
    read -r members heard votedfor sent fails replayed < <(tail -c +"$(( ${LOGOFF[$n]:-0} + 1 ))" "$lf" 2>/dev/null | awk -v self="$id" '
      /current nodes in channel: \[/ { s = $0; sub(/.*current nodes in channel: \[/, "", s); sub(/\].*/, "", s); gsub(/ /, ",", s); members = s }
      /received Msg(Pre)?VoteResp from [0-9]+/ { s = $0; sub(/.*VoteResp from /, "", s); sub(/ .*/, "", s); if (s != self) heard[s] = 1 }
      /cast Msg(Pre)?Vote for [0-9]+/ { s = $0; sub(/.*cast Msg(Pre)?Vote for /, "", s); sub(/ .*/, "", s); voted[s] = 1; heard[s] = 1 }
      /elected leader [0-9]+/ { s = $0; sub(/.*elected leader /, "", s); sub(/ .*/, "", s); if (s != self) heard[s] = 1 }
      /sent Msg(Pre)?Vote request/ { sent++ }
      /Failed to send StepRequest/ { fails++ }
      /Found WAL data at path/ { replayed++ }
      END {
        h = ""; for (k in heard) h = h (h == "" ? "" : ",") k
        v = ""; for (k in voted) v = v (v == "" ? "" : ",") k
        printf "%s %s %s %d %d %d\n", (members == "" ? "-" : members), (h == "" ? "-" : h), (v == "" ? "-" : v), sent, fails, replayed
      }')
    MEMBERS[$n]="$members" HEARD[$n]="$heard"
    lines+=("$n (id $id): leader=$leader active_nodes=$active committed_block=$block membership_applied=[$members] heard_from=[$heard] voted_for=[$votedfor] vote_requests_sent=$sent send_failures=$fails cluster_streams(out=$egress in=$ingress) dropped=$dropped")
    local napplied=0
    [ "$members" = "-" ] || napplied="$(tr ',' '\n' <<<"$members" | grep -c .)"
    if [ "$napplied" -lt "$want" ] && [ "$leader" != 1 ] && [ "$replayed" -gt 0 ]; then
      hints+=("$n applied only $napplied of the $want Raft membership entries (${members/#-/none}) while replaying its WAL and stopped: its Raft node no longer sends (the etcdraft restart deadlock, hyperledger/fabric#4199). The orderer binary lacks network/fabric/patches/etcdraft-wal-sync-deadlock.patch: run network/down.sh, rm $BIN/.fabric-version, network/build-fabric.sh, then network/up.sh.")
    fi
    if [ "$fails" -gt 0 ]; then
      hints+=("$n failed to send to other orderers: $(tail -c +"$(( ${LOGOFF[$n]:-0} + 1 ))" "$lf" | grep 'Failed to send StepRequest' | tail -n 1 | sed 's/.*logSendFailure -> //')")
    fi
  done
  rm -f "$m"
  # who hears whom: a node that asks for votes but is never answered by a
  # member that did vote for it has a one-way link
  for n in "${ORDERERS[@]}"; do
    for o in "${ORDERERS[@]}"; do
      [ "$n" = "$o" ] && continue
      if [[ ",${HEARD[$o]:-}," == *",${ID_OF[$n]},"* ]] && [[ ",${HEARD[$n]:-}," != *",${ID_OF[$o]},"* ]]; then
        hints+=("$o hears $n, but $n never heard back from $o: messages $o -> $n do not arrive (is $o's Raft node stuck, see above, or its cluster connection to $n broken?)")
      fi
    done
  done
  if [ -n "$brief" ]; then
    printf '  %s\n' "${lines[@]}"
    return 0
  fi
  {
    echo "Raft on channel '$CHANNEL', as each orderer reports it (metrics; log since this start):"
    printf '  %s\n' "${lines[@]}"
    if [ ${#hints[@]} -gt 0 ]; then
      echo "What it means:"
      printf '  - %s\n' "${hints[@]}"
    fi
  } >&2
}

wait_raft_leader() {
  local timeout="${CHARTER_RAFT_TIMEOUT:-30}" t0 now next_report n
  now_ms; t0=$NOW; next_report=$((NOW + 5000))
  while :; do
    for n in "${ORDERERS[@]}"; do
      if curl -fsS -m 1 "http://127.0.0.1:${ORD_OPS[$n]}/metrics" 2>/dev/null |
        grep -q "^consensus_etcdraft_is_leader{channel=\"$CHANNEL\"} 1"; then
        RAFT_LEADER="$n"
        return 0
      fi
      proc_pid "$n"
      pid_alive "$REPLY" || { log_tail "$LOGS/$n.log" 25; raft_report; die "$n exited while waiting for a Raft leader (log: $LOGS/$n.log)"; }
    done
    now_ms
    if [ "$NOW" -ge $((t0 + timeout * 1000)) ]; then
      raft_report
      die "no Raft leader for channel '$CHANNEL' after ${timeout}s (diagnosis above; orderer logs in $LOGS; CHARTER_RAFT_TIMEOUT to wait longer)"
    fi
    if [ "$NOW" -ge "$next_report" ]; then
      echo "  no Raft leader yet after $(( (NOW - t0) / 1000 ))s; the orderers report:"
      raft_report brief
      next_report=$((NOW + 10000))
    fi
    sleep 0.05
  done
}

# readiness: a real chaincode query on every org's peer (which dials that
# org's own chaincode server), retried until READY_TIMEOUT
wait_chaincode_ready() {
  local deadline=$(( $(( ${EPOCHREALTIME/./} / 1000 )) + READY_TIMEOUT * 1000 )) pending=("${ORGS[@]}") next o out known
  while :; do
    next=()
    for o in "${pending[@]}"; do
      # gossip: the peer must see the other orgs' peers on the channel, or the
      # gateway cannot plan endorsements ("no combination of peers ...")
      if [ "$METRICS_PROVIDER" = disabled ]; then
        # no membership gauge to read: give gossip its 5 s
        [ -n "${gossip_waited:-}" ] || { sleep 5; gossip_waited=1; }
        known=$(( ${#ORGS[@]} - 1 ))
      else
        known="$(curl -fsS -m 1 "http://127.0.0.1:${PEER_OPS[$o]}/metrics" 2>/dev/null |
          sed -n "s/^gossip_membership_total_peers_known{channel=\"$CHANNEL\"} //p")" || true
      fi
      if [ "${known:-0}" -lt $(( ${#ORGS[@]} - 1 )) ]; then
        next+=("$o")
        echo "the $o peer knows ${known:-0} of the $(( ${#ORGS[@]} - 1 )) other peers on channel $CHANNEL through gossip" >"$LOGS/cli/ready-$o.log"
        continue
      fi
      if ! out="$(as_admin "$o" peer chaincode query -C "$CHANNEL" -n "$CC_NAME" \
        -c '{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}' 2>&1)"; then
        next+=("$o")
        echo "$out" >"$LOGS/cli/ready-$o.log"
      elif [ -f "$BENCH_DEPLOYED" ] && ! out="$(as_admin "$o" peer chaincode query -C "$CHANNEL" -n "$BENCH_CC_NAME" \
        -c '{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}' 2>&1)"; then
        next+=("$o")
        echo "calibration chaincode: $out" >"$LOGS/cli/ready-$o.log"
      fi
    done
    pending=("${next[@]}")
    [ ${#pending[@]} -eq 0 ] && return 0
    if [ "$(( ${EPOCHREALTIME/./} / 1000 ))" -ge "$deadline" ]; then
      for o in "${pending[@]}"; do log_tail "$LOGS/cli/ready-$o.log" 10; done
      die "chaincode '$CC_NAME' not ready on the peers of ${pending[*]} within ${READY_TIMEOUT}s (reasons above).
  Check the chaincode server logs ($LOGS/cc-*.log) and peer logs ($LOGS/peer-*.log);
  raise CHARTER_READY_TIMEOUT if the machine is very slow."
    fi
    sleep 0.2
  done
}

# readiness of ordering: one real transaction through each orderer, committed
# on all three peers (--waitForEvent). The chaincode's GetMetadata writes
# nothing, so the transactions leave the world state as it was. Without this
# a client's first submit could meet an orderer that has not caught up with
# the Raft leader yet.
wait_ordering_ready() {
  local deadline=$(( $(( ${EPOCHREALTIME/./} / 1000 )) + READY_TIMEOUT * 1000 )) n out peer_args=() o
  for o in "${ORGS[@]}"; do
    peer_args+=(--peerAddresses "127.0.0.1:${PEER_PORT[$o]}" --tlsRootCertFiles "${PEER_TLSCA[$o]}")
  done
  for n in "${ORDERERS[@]}"; do
    until out="$(as_admin Foundation peer chaincode invoke -o "127.0.0.1:${ORD_PORT[$n]}" --tls --cafile "$ORDERER_TLS_CA" \
      -C "$CHANNEL" -n "$CC_NAME" "${peer_args[@]}" --waitForEvent --waitForEventTimeout 10s \
      -c '{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}' 2>&1)"; do
      echo "$out" >"$LOGS/cli/ready-ordering-$n.log"
      if [ "$(( ${EPOCHREALTIME/./} / 1000 ))" -ge "$deadline" ]; then
        log_tail "$LOGS/cli/ready-ordering-$n.log" 10
        die "no transaction committed through $n within ${READY_TIMEOUT}s (reason above; orderer logs in $LOGS)"
      fi
      sleep 0.2
    done
  done
}

# package_cc ORG DIR PORT LABEL FILE: one org's CCaaS package for a chaincode
# server on 127.0.0.1:PORT, written to DIR/FILE.tar.gz with its package ID
# in DIR/package-id (label ":" sha256 of the package, as the peer computes it).
package_cc() {
  # The peer dials this org's own chaincode server over mutual TLS: the
  # server presents the peer's TLS certificate (SANs 127.0.0.1, localhost)
  # and the peer authenticates with it too; both are issued by the org's TLS CA.
  ccaas_package "$2" "${PEER_DIR[$1]}/tls" "127.0.0.1:$3" "$4" "$5"
}

# ================================================================ main ===
phase "check running processes"
mkdir -p "$PIDS"
running=() stopped=()
for n in "${PROCS[@]}"; do
  if proc_running "$n"; then running+=("$n"); else stopped+=("$n"); fi
done
if [ ${#stopped[@]} -eq 0 ]; then
  unhealthy=()
  for n in "${ORDERERS[@]}"; do curl -fsS -m 1 "http://127.0.0.1:${ORD_OPS[$n]}/healthz" >/dev/null 2>&1 || unhealthy+=("$n"); done
  for o in "${ORGS[@]}"; do curl -fsS -m 1 "http://127.0.0.1:${PEER_OPS[$o]}/healthz" >/dev/null 2>&1 || unhealthy+=("peer-${ORG_KEY[$o]}"); done
  if [ ${#unhealthy[@]} -eq 0 ] && [ -f "$DEPLOYED" ] && [ $FRESH -eq 0 ]; then
    echo "up: already up (all ${#PROCS[@]} processes running and healthy; network/status.sh for details, network/down.sh to stop)"
    exit 0
  fi
  if [ $FRESH -eq 0 ]; then
    die "all processes run but ${unhealthy[*]:-the deployment record} is not healthy/complete; run network/down.sh (or network/up.sh --fresh)"
  fi
fi
# A deployed network with some processes down (a crash, a fault test)
# gets only the stopped processes started again: the running ones keep
# going, so a failed orderer rejoins a working Raft cluster instead of the
# whole cluster restarting at once. Anything else starts from a clean stop.
PARTIAL=0
if [ ${#running[@]} -gt 0 ]; then
  if [ $FRESH -eq 0 ] && [ -f "$DEPLOYED" ] && grep -qx "port_offset=$OFF" "$DEPLOYED"; then
    PARTIAL=1
    echo "up: ${#running[@]} of ${#PROCS[@]} processes running; starting the stopped ones: ${stopped[*]}"
  else
    echo "up: ${#running[@]} of ${#PROCS[@]} processes already running (${running[*]}); stopping them and starting again"
    "$ROOT/network/down.sh"
  fi
fi
# is_running NAME: whether NAME was running (and left running) at the start.
is_running() { [ $PARTIAL -eq 1 ] && [[ " ${running[*]} " == *" $1 "* ]]; }

phase "build binaries"
"$ROOT/network/build-fabric.sh" | sed 's/^/  /'
for t in peer orderer configtxgen cryptogen osnadmin fabric-ca-server fabric-ca-client; do
  [ -x "$BIN/$t" ] || die "binary $BIN/$t is missing after network/build-fabric.sh"
done
if [ -n "${CHARTER_CHAINCODE_BIN:-}" ]; then
  [ -x "$CC_BIN" ] || die "CHARTER_CHAINCODE_BIN=$CC_BIN is not an executable file"
  echo "  chaincode: using prebuilt $CC_BIN"
else
  [ -d "$ROOT/cmd/charter-chaincode" ] ||
    die "chaincode source $ROOT/cmd/charter-chaincode is missing (or set CHARTER_CHAINCODE_BIN to a prebuilt contractapi chaincode)"
  # reproducible (network/build-chaincode.sh): the digest every service
  # reports through system:Build is one any organisation can rebuild
  digest_line="$("$ROOT/network/build-chaincode.sh" -o "$BIN/charter-chaincode")" ||
    die "network/build-chaincode.sh (./cmd/charter-chaincode) failed"
  [ -x "$CC_BIN" ] || die "binary $CC_BIN is missing after the chaincode build"
  echo "  chaincode: built $CC_BIN, sha256 ${digest_line%% *}"
fi
if [ "$BENCH" = 1 ]; then
  if [ -n "${CHARTER_BENCH_CHAINCODE_BIN:-}" ]; then
    [ -x "$BENCH_BIN" ] || die "CHARTER_BENCH_CHAINCODE_BIN=$BENCH_BIN is not an executable file"
  else
    (cd "$ROOT" && go build -o "$BIN/charter-bench-chaincode" ./cmd/charter-bench-chaincode) ||
      die "go build ./cmd/charter-bench-chaincode failed"
    echo "  calibration chaincode: built $BENCH_BIN"
  fi
  if [ -n "${CHARTER_BAREPUT_CHAINCODE_BIN:-}" ]; then
    [ -x "$BAREPUT_BIN" ] || die "CHARTER_BAREPUT_CHAINCODE_BIN=$BAREPUT_BIN is not an executable file"
  else
    (cd "$ROOT" && go build -o "$BIN/charter-bareput-chaincode" ./cmd/charter-bareput-chaincode) ||
      die "go build ./cmd/charter-bareput-chaincode failed"
    echo "  bare put chaincode: built $BAREPUT_BIN"
  fi
fi

# restart on existing state only when a previous up finished a deployment
# with the same port table; anything else is rebuilt from nothing
MODE=create
if [ $FRESH -eq 0 ] && [ -f "$DEPLOYED" ] && grep -qx "port_offset=$OFF" "$DEPLOYED"; then
  MODE=restart
fi

phase "check ports"
busy=()
listeners || true
while read -r port what; do
  is_running "${what%%(*}" && continue
  port_owner "$port"
  [ -z "$REPLY" ] || busy+=("port $port (needed by $what) is in use by $REPLY")
done < <(all_ports)
if [ ${#busy[@]} -gt 0 ]; then
  printf '  %s\n' "${busy[@]}" >&2
  die "${#busy[@]} port(s) busy; stop whatever holds them or set CHARTER_PORT_OFFSET"
fi

if [ $MODE = create ]; then
  phase "generate config, crypto, genesis block"
  rm -rf "$NET"
  # a fresh network has the calibration chaincode only when asked again
  [ "${CHARTER_BENCH:-}" = 1 ] || BENCH=0
  [ "${CHARTER_BENCH:-}" = 1 ] || BAREPUT=0
  mkdir -p "$CFG" "$CRYPTO" "$DATA" "$LOGS/cli" "$PIDS" "$CCDIR" "$ARTIFACTS"
  FABCFG="$(cd "$ROOT/network/fabric" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric 2>/dev/null)/sampleconfig" ||
    die "cannot locate Fabric's sampleconfig (go list -m github.com/hyperledger/fabric in network/fabric)"
  [ -f "$FABCFG/core.yaml" ] && [ -f "$FABCFG/orderer.yaml" ] || die "Fabric sampleconfig not found at $FABCFG"

  # core.yaml: no Docker endpoint, one external builder (ccaas), Prometheus metrics
  awk -v builder="$BUILDER" '
    /^vm:/ { invm = 1 }
    invm && /^    endpoint:/ { print "    endpoint: \"\""; invm = 0; next }
    /^    externalBuilders:/ {
      print
      print "        - name: ccaas"
      print "          path: " builder
      skip = 1; next
    }
    skip { if ($0 ~ /^     / || $0 ~ /^[ \t]*$/) next; skip = 0; print ""; }
    /^metrics:/ { inmetrics = 1 }
    inmetrics && /^    provider:/ { print "    provider: prometheus"; inmetrics = 0; next }
    { print }
  ' "$FABCFG/core.yaml" >"$CFG/core.yaml"
  # orderer.yaml: add General.Cluster.RPCTimeout (so it can be set), Prometheus metrics
  awk '
    /^    Cluster:/ { print; print "        # Added by network/up.sh: timeout of intra-cluster RPCs (default 7s)."; print "        RPCTimeout: 2s"; next }
    /^Metrics:/ { inmetrics = 1 }
    inmetrics && /^    Provider:/ { print "    Provider: prometheus"; inmetrics = 0; next }
    { print }
  ' "$FABCFG/orderer.yaml" >"$CFG/orderer.yaml"
  grep -q '^    endpoint: ""' "$CFG/core.yaml" || die "patching core.yaml failed (vm.endpoint)"
  grep -q "path: $BUILDER\$" "$CFG/core.yaml" || die "patching core.yaml failed (externalBuilders)"
  grep -q '^        RPCTimeout: 2s' "$CFG/orderer.yaml" || die "patching orderer.yaml failed (Cluster.RPCTimeout)"

  {
    echo "OrdererOrgs:"
    echo "  - Name: Orderer"
    echo "    Domain: orderer.$DOMAIN"
    echo "    EnableNodeOUs: true"
    echo "    Specs:"
    for n in "${ORDERERS[@]}"; do
      echo "      - Hostname: $n"
      echo "        SANS: [127.0.0.1, localhost]"
    done
    echo "PeerOrgs:"
    for o in "${ORGS[@]}"; do
      echo "  - Name: $o"
      echo "    Domain: ${ORG_DOMAIN[$o]}"
      echo "    EnableNodeOUs: true"
      echo "    Template:"
      echo "      Count: 1"
      echo "      SANS: [127.0.0.1, localhost]"
      echo "    Users:"
      echo "      Count: 3"
    done
  } >"$CFG/crypto-config.yaml"

  {
    cat <<EOF
# Generated by network/up.sh — do not edit (edit the script).
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: OrdererMSP
    MSPDir: $CRYPTO/ordererOrganizations/orderer.$DOMAIN/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
    OrdererEndpoints:
$(for n in "${ORDERERS[@]}"; do echo "      - 127.0.0.1:${ORD_PORT[$n]}"; done)
EOF
    for o in "${ORGS[@]}"; do
      cat <<EOF
  - &$o
    Name: ${o}MSP
    ID: ${o}MSP
    MSPDir: $CRYPTO/peerOrganizations/${ORG_DOMAIN[$o]}/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('${o}MSP.admin', '${o}MSP.peer', '${o}MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('${o}MSP.admin', '${o}MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('${o}MSP.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('${o}MSP.peer')"}
    AnchorPeers:
      - Host: 127.0.0.1
        Port: ${PEER_PORT[$o]}
EOF
    done
    cat <<EOF
Capabilities:
  Channel: &ChannelCapabilities {V2_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities
Orderer: &OrdererDefaults
  OrdererType: etcdraft
  BatchTimeout: ${CHARTER_BATCH_TIMEOUT:-20ms}
  BatchSize:
    MaxMessageCount: ${CHARTER_BATCH_MAX_MESSAGES:-200}
    AbsoluteMaxBytes: 8 MB
    PreferredMaxBytes: 2 MB
  EtcdRaft:
    Consenters:
$(for n in "${ORDERERS[@]}"; do
  d="${ORD_DIR[$n]}"
  echo "      - {Host: 127.0.0.1, Port: ${ORD_PORT[$n]}, ClientTLSCert: $d/tls/server.crt, ServerTLSCert: $d/tls/server.crt}"
done)
    Options:
      TickInterval: 100ms
      ElectionTick: 10
      HeartbeatTick: 1
      MaxInflightBlocks: 5
      SnapshotIntervalSize: 16 MB
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities
Profiles:
  CharterChannel:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
      Capabilities: *OrdererCapabilities
    Application:
      <<: *ApplicationDefaults
      Organizations: [$(IFS=,; echo "${ORGS[*]/#/*}" | sed 's/,/, /g')]
      Capabilities: *ApplicationCapabilities
EOF
  } >"$CFG/configtx.yaml"

  cryptogen generate --config="$CFG/crypto-config.yaml" --output="$CRYPTO" >"$LOGS/cli/cryptogen.log" 2>&1 ||
    { log_tail "$LOGS/cli/cryptogen.log"; die "cryptogen failed"; }
  FABRIC_CFG_PATH="$CFG" configtxgen -profile CharterChannel -channelID "$CHANNEL" \
    -outputBlock "$ARTIFACTS/$CHANNEL.block" >"$LOGS/cli/configtxgen.log" 2>&1 ||
    { log_tail "$LOGS/cli/configtxgen.log"; die "configtxgen failed"; }

  phase "package chaincode (one CCaaS package per org)"
  for o in "${ORGS[@]}"; do
    package_cc "$o" "$CCDIR/${ORG_KEY[$o]}" "${CCS_PORT[$o]}" "$CC_LABEL" "$CC_NAME-${ORG_KEY[$o]}"
  done
else
  mkdir -p "$LOGS/cli" "$PIDS"
  echo "up: restarting on existing state in $NET (network/up.sh --fresh or network/clean.sh to start over)"
fi

declare -A PKGID
for o in "${ORGS[@]}"; do
  f="$CCDIR/${ORG_KEY[$o]}/package-id"
  [ -f "$f" ] || die "missing $f (state incomplete: run network/up.sh --fresh)"
  read -r "PKGID[$o]" <"$f"
done

declare -A BENCH_PKGID
if [ -f "$BENCH_DEPLOYED" ]; then
  for o in "${ORGS[@]}"; do
    f="$CCDIR/bench-${ORG_KEY[$o]}/package-id"
    [ -f "$f" ] || die "missing $f (state incomplete: run network/up.sh --fresh)"
    read -r "BENCH_PKGID[$o]" <"$f"
  done
fi
declare -A BAREPUT_PKGID
if [ -f "$BAREPUT_DEPLOYED" ]; then
  for o in "${ORGS[@]}"; do
    f="$CCDIR/bareput-${ORG_KEY[$o]}/package-id"
    [ -f "$f" ] || die "missing $f (state incomplete: run network/up.sh --fresh)"
    read -r "BAREPUT_PKGID[$o]" <"$f"
  done
fi

phase "start 3 orderers, 3 peers, 3 chaincode servers, 3 CAs"
for n in "${ORDERERS[@]}"; do
  if is_running "$n"; then
    LOGOFF[$n]="$(wc -c <"$LOGS/$n.log" 2>/dev/null || echo 0)"
  else
    start_orderer "$n"
  fi
done
for o in "${ORGS[@]}"; do is_running "peer-${ORG_KEY[$o]}" || start_peer "$o"; done
for o in "${ORGS[@]}"; do is_running "cc-${ORG_KEY[$o]}" || start_ccserver "$o"; done
for o in "${ORGS[@]}"; do is_running "ca-${ORG_KEY[$o]}" || start_ca "$o"; done
started_procs=(orderer1 orderer2 orderer3 peer-foundation peer-laba peer-labb cc-foundation cc-laba cc-labb "${CA_PROCS[@]}")
if [ -f "$BENCH_DEPLOYED" ]; then
  for o in "${ORGS[@]}"; do is_running "bench-${ORG_KEY[$o]}" || start_ccserver "$o" bench; done
  started_procs+=("${BENCH_PROCS[@]}")
fi
if [ -f "$BAREPUT_DEPLOYED" ]; then
  for o in "${ORGS[@]}"; do is_running "bareput-${ORG_KEY[$o]}" || start_ccserver "$o" bareput; done
  started_procs+=("${BAREPUT_PROCS[@]}")
fi
wait_healthy "${started_procs[@]}"

if [ $MODE = create ]; then
  phase "join channel (osnadmin x3, peers x3), install x3"
  for n in "${ORDERERS[@]}"; do
    bgjob "osnadmin-join-$n" osn "$n" channel join --channelID "$CHANNEL" --config-block "$ARTIFACTS/$CHANNEL.block"
  done
  for o in "${ORGS[@]}"; do
    bgjob "peer-join-$o" as_admin "$o" peer channel join -b "$ARTIFACTS/$CHANNEL.block"
    bgjob "install-$o" as_admin "$o" env FABRIC_LOGGING_SPEC=info peer lifecycle chaincode install "$CCDIR/${ORG_KEY[$o]}/$CC_NAME-${ORG_KEY[$o]}.tar.gz"
  done
  bg_wait
  for o in "${ORGS[@]}"; do
    want="${PKGID[$o]}"
    grep -q "$want" "$LOGS/cli/install-$o.log" ||
      die "package ID reported by the $o peer differs from $want (see $LOGS/cli/install-$o.log)"
  done
fi

phase "wait for Raft leader"
wait_raft_leader
echo "  leader: $RAFT_LEADER"

if [ $MODE = create ]; then
  phase "approve x3 (concurrent), check readiness, commit"
  approve_commit "$CC_NAME" "$CC_VERSION" "$CC_SEQUENCE" PKGID "" "chaincode"
fi

if [ "$BENCH" = 1 ] && [ ! -f "$BENCH_DEPLOYED" ]; then
  phase "calibration chaincode '$BENCH_CC_NAME': package, start, install, approve, commit"
  for o in "${ORGS[@]}"; do
    k="${ORG_KEY[$o]}"
    package_cc "$o" "$CCDIR/bench-$k" "${BCC_PORT[$o]}" "$BENCH_CC_LABEL" "$BENCH_CC_NAME-$k"
    read -r "BENCH_PKGID[$o]" <"$CCDIR/bench-$k/package-id"
    is_running "bench-$k" || start_ccserver "$o" bench
  done
  wait_healthy "${BENCH_PROCS[@]}"
  for o in "${ORGS[@]}"; do
    k="${ORG_KEY[$o]}"
    bgjob "install-bench-$o" as_admin "$o" env FABRIC_LOGGING_SPEC=info peer lifecycle chaincode install "$CCDIR/bench-$k/$BENCH_CC_NAME-$k.tar.gz"
  done
  bg_wait
  approve_commit "$BENCH_CC_NAME" "$BENCH_CC_VERSION" "$BENCH_CC_SEQUENCE" BENCH_PKGID "-bench" "calibration chaincode"
  printf 'chaincode=%s version=%s sequence=%s\n' "$BENCH_CC_NAME" "$BENCH_CC_VERSION" "$BENCH_CC_SEQUENCE" >"$BENCH_DEPLOYED"
fi

if [ "$BENCH" = 1 ] && [ ! -f "$BAREPUT_DEPLOYED" ]; then
  phase "bare put chaincode '$BAREPUT_CC_NAME': package, start, install, approve, commit"
  for o in "${ORGS[@]}"; do
    k="${ORG_KEY[$o]}"
    package_cc "$o" "$CCDIR/bareput-$k" "${BPC_PORT[$o]}" "$BAREPUT_CC_LABEL" "$BAREPUT_CC_NAME-$k"
    read -r "BAREPUT_PKGID[$o]" <"$CCDIR/bareput-$k/package-id"
    is_running "bareput-$k" || start_ccserver "$o" bareput
  done
  wait_healthy "${BAREPUT_PROCS[@]}"
  for o in "${ORGS[@]}"; do
    k="${ORG_KEY[$o]}"
    bgjob "install-bareput-$o" as_admin "$o" env FABRIC_LOGGING_SPEC=info peer lifecycle chaincode install "$CCDIR/bareput-$k/$BAREPUT_CC_NAME-$k.tar.gz"
  done
  bg_wait
  approve_commit "$BAREPUT_CC_NAME" "$BAREPUT_CC_VERSION" "$BAREPUT_CC_SEQUENCE" BAREPUT_PKGID "-bareput" "bare put chaincode"
  printf 'chaincode=%s version=%s sequence=%s\n' "$BAREPUT_CC_NAME" "$BAREPUT_CC_VERSION" "$BAREPUT_CC_SEQUENCE" >"$BAREPUT_DEPLOYED"
fi

phase "readiness: gossip + chaincode query on every peer"
wait_chaincode_ready

phase "readiness: a transaction through every orderer"
wait_ordering_ready

phase "write profiles.json, network.env"
{
  echo "{"
  echo "  \"channel\": \"$CHANNEL\","
  echo "  \"chaincode\": \"$CC_NAME\","
  [ -f "$BENCH_DEPLOYED" ] && echo "  \"benchChaincode\": \"$BENCH_CC_NAME\","
  echo "  \"peers\": {"
  i=0
  for o in "${ORGS[@]}"; do
    i=$((i + 1)); sep=","; [ $i -eq ${#ORGS[@]} ] && sep=""
    printf '    "%s": {"mspId": "%s", "endpoint": "127.0.0.1:%s", "tlsCACert": "%s", "serverName": "localhost"}%s\n' \
      "$o" "${o}MSP" "${PEER_PORT[$o]}" "${PEER_TLSCA[$o]}" "$sep"
  done
  echo "  },"
  echo "  \"profiles\": {"
  i=0
  for o in "${ORGS[@]}"; do
    for u in Admin User1 User2 User3; do
      i=$((i + 1)); sep=","; [ $i -eq $(( ${#ORGS[@]} * 4 )) ] && sep=""
      user_dir "$o" "$u"; msp="$REPLY/msp"
      certs=("$msp"/signcerts/*) keys=("$msp"/keystore/*)
      [ ${#certs[@]} -eq 1 ] && [ -f "${certs[0]}" ] || die "expected exactly one certificate in $msp/signcerts"
      [ ${#keys[@]} -eq 1 ] && [ -f "${keys[0]}" ] || die "expected exactly one key in $msp/keystore"
      name="${ORG_PROFILE[$o]}-${u,,}"
      printf '    "%s": {"org": "%s", "mspId": "%s", "certPath": "%s", "keyPath": "%s", "peer": "%s"}%s\n' \
        "$name" "$o" "${o}MSP" "${certs[0]}" "${keys[0]}" "$o" "$sep"
    done
  done
  echo "  }"
  echo "}"
} >"$NET/profiles.json.tmp"
mv "$NET/profiles.json.tmp" "$NET/profiles.json"

{
  echo "# Generated by network/up.sh. Source it: . .charter/network/network.env"
  echo "CHARTER_ROOT='$ROOT'"
  echo "CHARTER_NETWORK_DIR='$NET'"
  echo "CHARTER_BIN='$BIN'"
  echo "CHARTER_CHANNEL='$CHANNEL'"
  echo "CHARTER_CHAINCODE='$CC_NAME'"
  if [ -f "$BENCH_DEPLOYED" ]; then echo "CHARTER_BENCH_CHAINCODE='$BENCH_CC_NAME'"; fi
  if [ -f "$BAREPUT_DEPLOYED" ]; then echo "CHARTER_BAREPUT_CHAINCODE='$BAREPUT_CC_NAME'"; fi
  echo "CHARTER_PROFILES='$NET/profiles.json'"
  echo "CHARTER_FABRIC_CFG_PATH='$CFG'"
  echo "CHARTER_PORT_OFFSET='$OFF'"
  echo "CHARTER_ORDERER_TLS_CA='$ORDERER_TLS_CA'"
  echo "CHARTER_ORDERER_ADMIN_TLS_DIR='$ORDERER_ADMIN_DIR/tls'"
  if [ "${CHARTER_PPROF:-}" = 1 ]; then
    eps=""
    for n in "${ORDERERS[@]}"; do eps+="$n=127.0.0.1:${ORD_PPROF[$n]} "; done
    for o in "${ORGS[@]}"; do
      k="${ORG_KEY[$o]}"
      eps+="peer-$k=127.0.0.1:${PEER_PPROF[$o]} "
      [ -f "$BENCH_DEPLOYED" ] && eps+="bench-$k=127.0.0.1:${BCC_PPROF[$o]} "
      [ -f "$BAREPUT_DEPLOYED" ] && eps+="bareput-$k=127.0.0.1:${BPC_PPROF[$o]} "
    done
    echo "CHARTER_PPROF_ENDPOINTS='${eps% }'"
  fi
  echo "CHARTER_ORDERER_ENDPOINTS='$(for n in "${ORDERERS[@]}"; do printf '127.0.0.1:%s ' "${ORD_PORT[$n]}"; done | sed 's/ $//')'"
  for n in "${ORDERERS[@]}"; do
    N="${n^^}"
    echo "CHARTER_${N}_PORT=${ORD_PORT[$n]}"
    echo "CHARTER_${N}_ADMIN_PORT=${ORD_ADMIN[$n]}"
    echo "CHARTER_${N}_OPS_PORT=${ORD_OPS[$n]}"
  done
  for o in "${ORGS[@]}"; do
    O="${o^^}"
    echo "CHARTER_${O}_MSPID=${o}MSP"
    echo "CHARTER_${O}_PEER_ENDPOINT=127.0.0.1:${PEER_PORT[$o]}"
    echo "CHARTER_${O}_PEER_PORT=${PEER_PORT[$o]}"
    echo "CHARTER_${O}_PEER_CHAINCODE_PORT=${PEER_CC[$o]}"
    echo "CHARTER_${O}_PEER_OPS_PORT=${PEER_OPS[$o]}"
    echo "CHARTER_${O}_CCSERVER_PORT=${CCS_PORT[$o]}"
    echo "CHARTER_${O}_PEER_TLS_CA='${PEER_TLSCA[$o]}'"
    echo "CHARTER_${O}_ADMIN_MSP='${ADMIN_DIR[$o]}/msp'"
    echo "CHARTER_${O}_PACKAGE_ID='${PKGID[$o]}'"
    ca_url "$o"; echo "CHARTER_${O}_CA_URL=$REPLY"
    ca_root "$o"; echo "CHARTER_${O}_CA_ROOT='$REPLY'"
    echo "CHARTER_${O}_CA_NAME=ca-${ORG_KEY[$o]}"
    echo "CHARTER_${O}_CA_HOME='$CADIR/${ORG_KEY[$o]}'"
    echo "CHARTER_${O}_MEMBERS_DIR='$MEMBERS/${ORG_KEY[$o]}'"
    if [ -f "$BENCH_DEPLOYED" ]; then
      echo "CHARTER_${O}_BENCH_PACKAGE_ID='${BENCH_PKGID[$o]}'"
      echo "CHARTER_${O}_BENCH_CCSERVER_PORT=${BCC_PORT[$o]}"
    fi
  done
} >"$NET/network.env"

# Per-org admin environments for the peer CLI: . .charter/network/env/labA-admin.env
mkdir -p "$NET/env"
for o in "${ORGS[@]}"; do
  cat >"$NET/env/${ORG_PROFILE[$o]}-admin.env" <<EOF
# peer CLI as the $o admin against the $o peer. Source it, then e.g.
#   peer chaincode query -C $CHANNEL -n $CC_NAME -c '{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}'
export PATH='$BIN':"\$PATH"
export FABRIC_CFG_PATH='$CFG'
export CORE_PEER_LOCALMSPID=${o}MSP
export CORE_PEER_MSPCONFIGPATH='${ADMIN_DIR[$o]}/msp'
export CORE_PEER_ADDRESS=127.0.0.1:${PEER_PORT[$o]}
export CORE_PEER_TLS_ENABLED=true
export CORE_PEER_TLS_ROOTCERT_FILE='${PEER_TLSCA[$o]}'
export ORDERER_CA='$ORDERER_TLS_CA'
export ORDERER_ADDRESS=127.0.0.1:${ORD_PORT[orderer1]}
EOF
done

if [ $MODE = create ]; then
  printf 'port_offset=%s\nchannel=%s\nchaincode=%s version=%s sequence=%s\n' \
    "$OFF" "$CHANNEL" "$CC_NAME" "$CC_VERSION" "$CC_SEQUENCE" >"$DEPLOYED"
fi
phase ""
bench_note=""
[ -f "$BENCH_DEPLOYED" ] && bench_note=" (and the calibration chaincode '$BENCH_CC_NAME')"
[ -f "$BAREPUT_DEPLOYED" ] && bench_note=" (and the calibration chaincodes '$BENCH_CC_NAME', '$BAREPUT_CC_NAME')"
echo "up: ready in $(( $(( ${EPOCHREALTIME/./} / 1000 )) - T0 )) ms ($MODE) — channel '$CHANNEL', chaincode '$CC_NAME'$bench_note answering on all 3 peers"
echo "up: profiles: $NET/profiles.json  env: $NET/network.env  logs: $LOGS  (network/status.sh, network/down.sh)"

# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Shared definitions for network/*.sh: paths, the port table, the process
# table and small helpers. Sourced, never run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.charter/bin"
# CHARTER_STATE_DIR moves all network state (run two networks side by side
# together with CHARTER_PORT_OFFSET).
NET="${CHARTER_STATE_DIR:-$ROOT/.charter/network}"
CFG="$NET/config"
CRYPTO="$NET/crypto"
DATA="$NET/data"
LOGS="$NET/logs"
PIDS="$NET/pids"
CCDIR="$NET/chaincode"
ARTIFACTS="$NET/artifacts"
DEPLOYED="$NET/deployed"
BUILDER="$ROOT/network/ccaas-builder"

CHANNEL="charter"
CC_NAME="charter"
CC_VERSION="1.0"
CC_SEQUENCE="1"
CC_LABEL="charter_${CC_VERSION}"
# The calibration chaincode (bench:Put) for benchmarks and tests only:
# deployed next to Charter's with the same endorsement policy and CCaaS
# setup when asked (network/up.sh --bench or CHARTER_BENCH=1), and from
# then on part of that network (BENCH_DEPLOYED records it).
BENCH_CC_NAME="bench"
BENCH_CC_VERSION="1.0"
BENCH_CC_SEQUENCE="1"
BENCH_CC_LABEL="bench_${BENCH_CC_VERSION}"
BENCH_DEPLOYED="$NET/bench-deployed"
BENCH=0
if [ "${CHARTER_BENCH:-}" = 1 ] || [ -f "$BENCH_DEPLOYED" ]; then BENCH=1; fi
# The bare put chaincode (one PutState through the plain shim, no
# contractapi): deployed with the calibration chaincode (up.sh --bench) so
# that charter bench can separate Fabric's cost from the chaincode
# framework's; BAREPUT_DEPLOYED records it (a network created before it
# existed gets it on its next up.sh --bench).
BAREPUT_CC_NAME="bareput"
BAREPUT_CC_VERSION="1.0"
BAREPUT_CC_SEQUENCE="1"
BAREPUT_CC_LABEL="bareput_${BAREPUT_CC_VERSION}"
BAREPUT_DEPLOYED="$NET/bareput-deployed"
DOMAIN="charter.local"

# ---------------------------------------------------------------- ports ---
# CHARTER_PORT_OFFSET shifts every port by the same amount (default 0).
OFF="${CHARTER_PORT_OFFSET:-0}"
case "$OFF" in ''|*[!0-9]*) echo "CHARTER_PORT_OFFSET must be a non-negative integer, got '$OFF'" >&2; exit 1 ;; esac

ORDERERS=(orderer1 orderer2 orderer3)
declare -A ORD_PORT=([orderer1]=$((7050 + OFF)) [orderer2]=$((7150 + OFF)) [orderer3]=$((7250 + OFF)))
declare -A ORD_ADMIN=([orderer1]=$((7060 + OFF)) [orderer2]=$((7160 + OFF)) [orderer3]=$((7260 + OFF)))
declare -A ORD_OPS=([orderer1]=$((7070 + OFF)) [orderer2]=$((7170 + OFF)) [orderer3]=$((7270 + OFF)))

ORGS=(Foundation LabA LabB)
declare -A ORG_KEY=([Foundation]=foundation [LabA]=laba [LabB]=labb)        # domain / file names
declare -A ORG_PROFILE=([Foundation]=foundation [LabA]=labA [LabB]=labB)    # profile name prefix
declare -A PEER_PORT=([Foundation]=$((7051 + OFF)) [LabA]=$((8051 + OFF)) [LabB]=$((9051 + OFF)))
declare -A PEER_CC=([Foundation]=$((7052 + OFF)) [LabA]=$((8052 + OFF)) [LabB]=$((9052 + OFF)))
declare -A PEER_OPS=([Foundation]=$((7053 + OFF)) [LabA]=$((8053 + OFF)) [LabB]=$((9053 + OFF)))
declare -A CCS_PORT=([Foundation]=$((9990 + OFF)) [LabA]=$((9991 + OFF)) [LabB]=$((9992 + OFF)))
declare -A BCC_PORT=([Foundation]=$((9993 + OFF)) [LabA]=$((9994 + OFF)) [LabB]=$((9995 + OFF))) # bench servers
declare -A BPC_PORT=([Foundation]=$((9996 + OFF)) [LabA]=$((9997 + OFF)) [LabB]=$((9998 + OFF))) # bareput servers
# pprof endpoints, listening only with CHARTER_PPROF=1 (charter bench
# profiles; docs/performance.md): peers, orderers, calibration chaincodes.
declare -A PEER_PPROF=([Foundation]=$((7057 + OFF)) [LabA]=$((8057 + OFF)) [LabB]=$((9057 + OFF)))
declare -A ORD_PPROF=([orderer1]=$((7080 + OFF)) [orderer2]=$((7180 + OFF)) [orderer3]=$((7280 + OFF)))
declare -A BCC_PPROF=([Foundation]=$((9983 + OFF)) [LabA]=$((9984 + OFF)) [LabB]=$((9985 + OFF)))
declare -A BPC_PPROF=([Foundation]=$((9986 + OFF)) [LabA]=$((9987 + OFF)) [LabB]=$((9988 + OFF)))
# After a chaincode upgrade (network/upgrade.sh) an organisation's service
# listens on the other of two ports (CCS_PORT, CCS_PORT + 10: the old and
# the new service run side by side during the upgrade) and runs the
# authorised build: $CCDIR/<org>/port and $CCDIR/<org>/binary record them.
CC_ALT_STEP=10
for _o in "${ORGS[@]}"; do
  if [ -f "$CCDIR/${ORG_KEY[$_o]}/port" ]; then read -r "CCS_PORT[$_o]" <"$CCDIR/${ORG_KEY[$_o]}/port"; fi
done
# Each organisation's certificate authority (fabric-ca-server, TLS on): it
# signs with the organisation's MSP root CA key (the one cryptogen made), so
# the members it enrolls belong to the organisation's MSP as the channel
# defines it; network/member.sh registers, enrolls and revokes through it.
declare -A CA_PORT=([Foundation]=$((7054 + OFF)) [LabA]=$((8054 + OFF)) [LabB]=$((9054 + OFF)))
declare -A CA_OPS=([Foundation]=$((7055 + OFF)) [LabA]=$((8055 + OFF)) [LabB]=$((9055 + OFF)))
CADIR="$NET/ca"
MEMBERS="$NET/members"

# ------------------------------------------------------ derived paths ---
# (plain arrays, no subshells: scripts stay fast on a loaded 2-core machine)
declare -A ORG_DOMAIN PEER_HOST PEER_DIR PEER_TLSCA ADMIN_DIR ORD_DIR PROC_ORG
for _o in "${ORGS[@]}"; do
  ORG_DOMAIN[$_o]="${ORG_KEY[$_o]}.$DOMAIN"
  PEER_HOST[$_o]="peer0.${ORG_DOMAIN[$_o]}"
  PEER_DIR[$_o]="$CRYPTO/peerOrganizations/${ORG_DOMAIN[$_o]}/peers/${PEER_HOST[$_o]}"
  PEER_TLSCA[$_o]="${PEER_DIR[$_o]}/tls/ca.crt"
  ADMIN_DIR[$_o]="$CRYPTO/peerOrganizations/${ORG_DOMAIN[$_o]}/users/Admin@${ORG_DOMAIN[$_o]}"
  PROC_ORG[peer-${ORG_KEY[$_o]}]="$_o"
  PROC_ORG[cc-${ORG_KEY[$_o]}]="$_o"
  PROC_ORG[bench-${ORG_KEY[$_o]}]="$_o"
  PROC_ORG[ca-${ORG_KEY[$_o]}]="$_o"
  PROC_ORG[bareput-${ORG_KEY[$_o]}]="$_o"
done
# ca_root ORG -> REPLY = the organisation's root CA certificate (its MSP's
# cacerts; also what clients trust for the CA's TLS endpoint)
ca_root() { REPLY="$CRYPTO/peerOrganizations/${ORG_DOMAIN[$1]}/ca/ca.${ORG_DOMAIN[$1]}-cert.pem"; }
# ca_url ORG -> REPLY = the organisation's CA endpoint
ca_url() { REPLY="https://127.0.0.1:${CA_PORT[$1]}"; }
# user_dir ORG USER -> the cryptogen folder of USER (Admin, User1..User3)
user_dir() { REPLY="$CRYPTO/peerOrganizations/${ORG_DOMAIN[$1]}/users/$2@${ORG_DOMAIN[$1]}"; }
ORD_DOMAIN="orderer.$DOMAIN"
for _n in "${ORDERERS[@]}"; do ORD_DIR[$_n]="$CRYPTO/ordererOrganizations/$ORD_DOMAIN/orderers/$_n.$ORD_DOMAIN"; done
ORDERER_TLS_CA="$CRYPTO/ordererOrganizations/$ORD_DOMAIN/tlsca/tlsca.$ORD_DOMAIN-cert.pem"
ORDERER_ADMIN_DIR="$CRYPTO/ordererOrganizations/$ORD_DOMAIN/users/Admin@$ORD_DOMAIN"
unset _o _n

# ---------------------------------------------------- process table ---
PROCS=(orderer1 orderer2 orderer3 peer-foundation peer-laba peer-labb cc-foundation cc-laba cc-labb)
CA_PROCS=(ca-foundation ca-laba ca-labb)
PROCS+=("${CA_PROCS[@]}")
BENCH_PROCS=(bench-foundation bench-laba bench-labb)
if [ "$BENCH" = 1 ]; then PROCS+=("${BENCH_PROCS[@]}"); fi
BAREPUT_PROCS=(bareput-foundation bareput-laba bareput-labb)
BAREPUT=0
if [ "${CHARTER_BENCH:-}" = 1 ] || [ -f "$BAREPUT_DEPLOYED" ]; then BAREPUT=1; PROCS+=("${BAREPUT_PROCS[@]}"); fi
proc_ports() {
  local o
  case "$1" in
    orderer*) echo "grpc ${ORD_PORT[$1]}, admin ${ORD_ADMIN[$1]}, ops ${ORD_OPS[$1]}" ;;
    peer-*) o="${PROC_ORG[$1]}"; echo "grpc ${PEER_PORT[$o]}, chaincode ${PEER_CC[$o]}, ops ${PEER_OPS[$o]}" ;;
    cc-*) o="${PROC_ORG[$1]}"; echo "grpc ${CCS_PORT[$o]}" ;;
    bench-*) o="${PROC_ORG[$1]}"; echo "grpc ${BCC_PORT[$o]}" ;;
    ca-*) o="${PROC_ORG[$1]}"; echo "https ${CA_PORT[$o]}, ops ${CA_OPS[$o]}" ;;
    bareput-*) o="${PROC_ORG[$1]}"; echo "grpc ${BPC_PORT[$o]}" ;;
  esac
}
all_ports() {
  local n o
  for n in "${ORDERERS[@]}"; do
    printf '%s\n' "${ORD_PORT[$n]} $n(grpc)" "${ORD_ADMIN[$n]} $n(admin)" "${ORD_OPS[$n]} $n(operations)"
  done
  for o in "${ORGS[@]}"; do
    printf '%s\n' "${PEER_PORT[$o]} peer-${ORG_KEY[$o]}(grpc)" "${PEER_CC[$o]} peer-${ORG_KEY[$o]}(chaincode-listener)" \
      "${PEER_OPS[$o]} peer-${ORG_KEY[$o]}(operations)" "${CCS_PORT[$o]} cc-${ORG_KEY[$o]}(chaincode-server)"
    if [ "$BENCH" = 1 ]; then printf '%s\n' "${BCC_PORT[$o]} bench-${ORG_KEY[$o]}(bench-chaincode-server)"; fi
    printf '%s\n' "${CA_PORT[$o]} ca-${ORG_KEY[$o]}(ca)" "${CA_OPS[$o]} ca-${ORG_KEY[$o]}(ca-operations)"
    if [ "$BAREPUT" = 1 ]; then printf '%s\n' "${BPC_PORT[$o]} bareput-${ORG_KEY[$o]}(bareput-chaincode-server)"; fi
  done
}

# ------------------------------------------------------------ helpers ---
# pid_alive PID: the process exists and is not a zombie (Z counts as stopped)
pid_alive() {
  local line st
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
  read -r line <"/proc/$1/stat" 2>/dev/null || return 1
  st="${line##*) }"
  st="${st:0:1}"
  [ "$st" != Z ] && [ "$st" != X ]
}
# proc_pid NAME -> REPLY = recorded PID (empty if none)
proc_pid() {
  REPLY=""
  [ -f "$PIDS/$1.pid" ] && read -r REPLY <"$PIDS/$1.pid" || true
}
# proc_running NAME: its recorded PID is alive and still runs the binary
# recorded at start ($PIDS/NAME.exe), so a recycled PID is never mistaken
# for ours.
proc_running() {
  local pid want="" exe
  proc_pid "$1"; pid="$REPLY"
  pid_alive "$pid" || return 1
  [ -f "$PIDS/$1.exe" ] && read -r want <"$PIDS/$1.exe"
  [ -n "$want" ] || return 0
  [ "/proc/$pid/exe" -ef "$want" ] && return 0
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null || true)" # binary replaced since start
  [ -z "$exe" ] || [ "${exe% (deleted)}" = "$want" ]
}

# listeners -> fills LISTENING[port]="process description" for every TCP listener
declare -A LISTENING
listeners() {
  local _st _rq _sq addr _peer rest port
  LISTENING=()
  command -v ss >/dev/null 2>&1 || return 1
  while read -r _st _rq _sq addr _peer rest; do
    port="${addr##*:}"
    if [[ "$rest" =~ users:\(\(([^\)]*) ]]; then
      LISTENING[$port]="${BASH_REMATCH[1]}"
    else
      LISTENING[$port]="a process of another user"
    fi
  done < <(ss -Hltnp 2>/dev/null)
}
# port_owner PORT -> REPLY = who listens on PORT (empty when free); call listeners first
port_owner() {
  REPLY=""
  if [ ${#LISTENING[@]} -gt 0 ] || command -v ss >/dev/null 2>&1; then
    REPLY="${LISTENING[$1]:-}"
  elif tcp_open "$1"; then
    REPLY="unknown process"
  fi
}

tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# now_ms -> milliseconds since the epoch, without a subshell: $(( $(now) )) is avoided
now_ms() { local t="${EPOCHREALTIME/./}"; NOW=$((t / 1000)); }

# ------------------------------------------------ admins and the channel ---
# The scripts that act as organisations' admins (up.sh, upgrade.sh,
# admit.sh, member.sh) share these; each defines die, refuse and ORD_ADDR.

# as_admin ORG cmd...: run a peer CLI command as ORG's admin against ORG's peer
as_admin() {
  local o="$1"; shift
  env FABRIC_CFG_PATH="$CFG" FABRIC_LOGGING_SPEC=warning \
    CORE_PEER_LOCALMSPID="${o}MSP" \
    CORE_PEER_MSPCONFIGPATH="${ADMIN_DIR[$o]}/msp" \
    CORE_PEER_ADDRESS="127.0.0.1:${PEER_PORT[$o]}" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="${PEER_TLSCA[$o]}" \
    "$@"
}

# latest_config FILE TAG: fetch the channel's newest config block into FILE
# -> REPLY = its number (the fetch's log: $LOGS/cli/TAG-fetch-config.log)
latest_config() {
  local log="$LOGS/cli/$2-fetch-config.log"
  as_admin "${ORGS[0]}" env FABRIC_LOGGING_SPEC=info peer channel fetch config "$1" -o "$ORD_ADDR" --tls --cafile "$ORDERER_TLS_CA" -c "$CHANNEL" \
    >"$log" 2>&1 || { cat "$log" >&2; die "cannot fetch the channel's config block"; }
  REPLY="$(sed -n 's/.*Received block: \([0-9]*\).*/\1/p' "$log" | tail -n1)"
  [ -n "$REPLY" ] || die "cannot read the config block's number from $log"
}

# peer_height ORG -> REPLY = the height of ORG's peer's ledger (0 when it does not answer)
peer_height() {
  local out
  out="$(as_admin "$1" peer channel getinfo -c "$CHANNEL" 2>&1)" || { REPLY=0; return; }
  REPLY="$(sed -n 's/.*"height":\([0-9]*\).*/\1/p' <<<"$out")"
  REPLY="${REPLY:-0}"
}

# majority_signers N [FIRST]: SIGNERS = FIRST's admin (when given), then the
# other organisations of this host in order, until more than half of the
# channel's N application organisations are in (the channel's Admins
# policy, MAJORITY Admins). Fewer when this host has too few: the caller
# checks.
majority_signers() {
  local n="$1" first="${2:-}" o
  SIGNERS=()
  [ -z "$first" ] || SIGNERS=("$first")
  for o in "${ORGS[@]}"; do
    [ $(( ${#SIGNERS[@]} * 2 )) -gt "$n" ] && break
    [ "$o" = "$first" ] || SIGNERS+=("$o")
  done
}

# submit_config_update FILE TAG BEFORE SIGNER...: the admin of every signer
# but the last signs the config update envelope FILE, the last submits it
# (refuse when the orderers do not accept it); then waits, 60 s at most,
# until a config block after BEFORE is committed on every peer of this host
# -> REPLY = that block's number. Logs in $LOGS/cli/TAG-*.log.
submit_config_update() {
  local file="$1" tag="$2" before="$3"; shift 3
  local signers=("$@") n=$# s out deadline after o
  for s in "${signers[@]:0:$((n - 1))}"; do
    as_admin "$s" peer channel signconfigtx -f "$file" >"$LOGS/cli/$tag-sign-$s.log" 2>&1 ||
      { cat "$LOGS/cli/$tag-sign-$s.log" >&2; die "$s's admin could not sign the config update"; }
  done
  s="${signers[$((n - 1))]}"
  if ! out="$(as_admin "$s" peer channel update -f "$file" -c "$CHANNEL" -o "$ORD_ADDR" --tls --cafile "$ORDERER_TLS_CA" 2>&1)"; then
    echo "$out" >"$LOGS/cli/$tag-update.log"
    refuse "the orderers refused the config update signed by the admins of ${signers[*]}: $(grep -o 'status: [A-Z_]*.*' <<<"$out" | tail -n1 || tail -n1 <<<"$out")"
  fi
  echo "$tag: channel: config update signed by the admins of ${signers[*]} and submitted"
  deadline=$(( ${EPOCHREALTIME/./} / 1000 + 60000 ))
  while :; do
    latest_config "$file.after.block" "$tag"; after="$REPLY"
    [ "${after:-0}" -gt "${before:-0}" ] && break
    [ $(( ${EPOCHREALTIME/./} / 1000 )) -lt "$deadline" ] || die "the config update was accepted but no new config block appeared within 60s"
    sleep 0.2
  done
  for o in "${ORGS[@]}"; do
    while peer_height "$o"; [ "$REPLY" -le "$after" ]; do
      [ $(( ${EPOCHREALTIME/./} / 1000 )) -lt "$deadline" ] || die "the $o peer has not committed config block $after within 60s"
      sleep 0.2
    done
  done
  REPLY="$after"
}

# pem_json FILE -> REPLY = the file as a JSON string body (newlines as \n)
pem_json() {
  local lines l
  mapfile -t lines <"$1"
  REPLY=""
  for l in "${lines[@]}"; do REPLY+="${l%$'\r'}\\n"; done
}

# ccaas_package DIR TLSDIR ADDRESS LABEL FILE: a chaincode-as-a-service
# package in DIR/FILE.tar.gz: connection.json (the peer dials ADDRESS over
# mutual TLS with TLSDIR's server.key/server.crt, the organisation's peer TLS
# certificate, and trusts TLSDIR/ca.crt, the organisation's TLS CA) and
# metadata.json (type ccaas, LABEL). Writes DIR/package-id; REPLY = the
# package ID (LABEL:sha256 of the package).
ccaas_package() {
  local dir="$1" tls="$2" address="$3" label="$4" file="$5" key crt ca sum
  mkdir -p "$dir"
  pem_json "$tls/server.key"; key="$REPLY"
  pem_json "$tls/server.crt"; crt="$REPLY"
  pem_json "$tls/ca.crt"; ca="$REPLY"
  if [ "${CHARTER_CHAINCODE_TLS:-1}" = 0 ]; then
    # measurement only (network/up.sh): plain gRPC to the chaincode service
    printf '{"address": "%s", "dial_timeout": "10s", "tls_required": false}\n' "$address" >"$dir/connection.json"
  else
  cat >"$dir/connection.json" <<EOF
{
  "address": "$address",
  "dial_timeout": "10s",
  "tls_required": true,
  "client_auth_required": true,
  "client_key": "$key",
  "client_cert": "$crt",
  "root_cert": "$ca"
}
EOF
  fi
  printf '{"type":"ccaas","label":"%s"}\n' "$label" >"$dir/metadata.json"
  tar -C "$dir" -czf "$dir/code.tar.gz" connection.json
  tar -C "$dir" -czf "$dir/$file.tar.gz" metadata.json code.tar.gz
  read -r sum _ < <(sha256sum "$dir/$file.tar.gz")
  REPLY="$label:$sum"
  echo "$REPLY" >"$dir/package-id"
}

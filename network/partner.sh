#!/usr/bin/env bash
# A partner organisation on its own host: its CA, peer and chaincode
# service in their own Linux network namespace with their own address.
# Root only (ip netns); the founders' network (network/up.sh) must run.
#
#   network/partner.sh up NAME       (e.g. LabD; MSP ID NAME"MSP")
#       1. the host: network namespace charter-<name>-<offset>, a veth pair
#          with a /30 of 10.213.<offset/1000 % 256>.0/24 (host side .1,
#          namespace side .2 for the first partner), loopback up, and
#          /etc/netns/<namespace>/hosts: the partner's own names at its
#          address, the founders' orderer and peer host names at the host
#          side of the link;
#       2. the founders' public address: charter-netadmin forward relays
#          <host side>:<port> to 127.0.0.1:<port> for the three orderers and
#          the three founders' peers (TLS end to end, verified by the host
#          names in the founders' certificates);
#       3. its PKI: its own Fabric CA (fabric-ca-server, TLS, its own
#          self-signed root) inside the namespace on the namespace address;
#          its registrar registers and enrolls the peer (type peer, and a TLS
#          certificate whose SANs are the namespace address and
#          peer0.<name>.charter.local) and the admin (type admin); the
#          public MSP folder (cacerts/, tlscacerts/, NodeOUs config.yaml) is
#          what the consortium admits;
#       4. its peer inside the namespace: listen, external and gossip
#          endpoints = <namespace address>:7051; the orderer endpoints of the
#          channel (127.0.0.1:<port>) overridden to the orderers' host names
#          (peer.deliveryclient.addressOverrides); and its chaincode service
#          (the founders' build, CCaaS, mutual TLS) on <namespace address>:9999.
#       Prints the partner as JSON on the last line (MSP folder, anchor).
#
#   network/partner.sh join NAME
#       after the consortium admitted it (a partner_admission decision, then
#       network/admit.sh): fetches the channel's block 0 from an orderer
#       through the host's address, joins its peer, waits until it has
#       caught up, installs its CCaaS package and approves the committed
#       chaincode definition (the same name, version and sequence, its own
#       package ID); waits until every founder's peer knows it through gossip
#       and its peer answers a chaincode query.
#
#   network/partner.sh enroll NAME ID
#       the partner's registrar registers ID (type client) at the partner's
#       CA and ID enrolls, inside the namespace; cert.pem and key.pem in
#       $NET/partners/<name>/members/ID/. (The ledger side — its admin's
#       member:Register — goes through a gateway of the consortium that it
#       reaches: docs/consortium.md.)
#
#   network/partner.sh down NAME     stops the partner's processes, deletes
#       its namespace, veth link and /etc/netns folder; keeps its files.
#   network/partner.sh clean         the same for every partner of this
#       port offset, also after a crash (network/down.sh runs it).
#
# Exit status: 0 done; 2 usage; 1 any other failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for v in $(compgen -e); do
  case "$v" in CORE_*|ORDERER_*|FABRIC_*|CHAINCODE_*) unset "$v" ;; esac
done
export PATH="$BIN:$PATH"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "partner: ERROR: $*" >&2; exit 1; }
bad_usage() { echo "partner: $*" >&2; echo "usage: network/partner.sh up|join|down NAME | enroll NAME ID | clean" >&2; exit 2; }
log_tail() { [ -f "$1" ] && { echo "---- last lines of $1:"; tail -n "${2:-15}" "$1"; echo "----"; } >&2 || true; }
now() { NOW=$(( ${EPOCHREALTIME/./} / 1000 )); }

[ $# -ge 1 ] || bad_usage "missing command"
CMD="$1"; shift
case "$CMD" in -h|--help) usage; exit 0 ;; up|join|down|enroll|clean) ;; *) bad_usage "unknown command '$CMD'" ;; esac

PARTNERS="$NET/partners"
# the subnet of this port offset: 10.213.X.0/24, one /30 per partner
SUBNET_X=$(( (OFF / 1000) % 256 ))
NS_PREFIX="charter-"
NS_SUFFIX="-$OFF"

# ---------------------------------------------------------------- clean ---
# stop_partner_procs KEY|'*': SIGTERM, SIGKILL after 3 s, the recorded
# processes named partner-KEY-*
stop_partner_procs() {
  local f n pids=() names=() i
  shopt -s nullglob
  for f in "$PIDS"/partner-$1-*.pid; do
    n="$(basename "$f" .pid)"
    if proc_running "$n"; then proc_pid "$n"; pids+=("$REPLY"); names+=("$n"); kill -TERM "$REPLY" 2>/dev/null || true; fi
  done
  shopt -u nullglob
  [ ${#pids[@]} -gt 0 ] || { rm -f "$PIDS"/partner-$1-*.pid "$PIDS"/partner-$1-*.exe; return 0; }
  for i in $(seq 1 60); do
    local left=0 p
    for p in "${pids[@]}"; do pid_alive "$p" && left=1; done
    [ $left = 0 ] && break
    sleep 0.05
  done
  for i in "${!pids[@]}"; do
    if pid_alive "${pids[$i]}"; then echo "partner: ${names[$i]} still running after SIGTERM, sending SIGKILL"; kill -KILL "${pids[$i]}" 2>/dev/null || true; fi
  done
  for i in $(seq 1 100); do
    local left=0 p
    for p in "${pids[@]}"; do pid_alive "$p" && left=1; done
    [ $left = 0 ] && break
    sleep 0.05
  done
  shopt -s nullglob
  for f in "$PIDS"/partner-$1-*.pid; do rm -f "$f" "${f%.pid}.exe"; done
  shopt -u nullglob
  [ ${#names[@]} -eq 0 ] || echo "partner: stopped ${names[*]}"
}

# remove_host NS: the namespace (its veth pair goes with it), any host-side
# link left, its /etc/netns folder
remove_host() {
  local ns="$1" link
  if [ -e "/run/netns/$ns" ]; then ip netns del "$ns" && echo "partner: deleted network namespace $ns"; fi
  rm -rf "/etc/netns/$ns"
  # veth pairs of this offset (chp<offset>h<slot>) whose namespace is gone
  for link in $(ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: \(chp${OFF}h[0-9]*\)[@:].*/\1/p"); do
    if [ ! -e "$PARTNERS/.links/$link" ] || [ "$(<"$PARTNERS/.links/$link")" = "$ns" ]; then
      ip link del "$link" 2>/dev/null && echo "partner: deleted link $link"
      rm -f "$PARTNERS/.links/$link"
    fi
  done
}

if [ "$CMD" = clean ]; then
  [ $# -eq 0 ] || bad_usage "clean takes no argument"
  stop_partner_procs '*'
  command -v ip >/dev/null 2>&1 || exit 0
  if [ "$(id -u)" != 0 ]; then
    # nothing of ours can exist without root; say so if something does
    if ip netns list 2>/dev/null | grep -q "^${NS_PREFIX}[a-z0-9]*${NS_SUFFIX}\b"; then
      echo "partner: network namespaces of this offset exist; run network/down.sh as root to delete them" >&2
    fi
    exit 0
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^${NS_PREFIX}[a-z0-9]+${NS_SUFFIX}\$" || true); do
    remove_host "$ns"
  done
  for link in $(ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: \(chp${OFF}h[0-9]*\)[@:].*/\1/p"); do
    ip link del "$link" 2>/dev/null && echo "partner: deleted link $link"
  done
  rm -rf "$PARTNERS/.links"
  exit 0
fi

# ------------------------------------------------------------ partner ---
[ $# -ge 1 ] || bad_usage "missing NAME"
NAME="$1"; shift
[[ "$NAME" =~ ^[A-Za-z][A-Za-z0-9]{0,15}$ ]] || bad_usage "NAME '$NAME': a letter, then up to 15 letters or digits"
for o in "${ORGS[@]}"; do [ "$o" != "$NAME" ] || bad_usage "$NAME is a founding organisation"; done
KEY="${NAME,,}"
MSP="${NAME}MSP"
PDIR="$PARTNERS/$KEY"
NS="${NS_PREFIX}${KEY}${NS_SUFFIX}"
PDOMAIN="$KEY.$DOMAIN"
PEER_NAME="peer0.$PDOMAIN"
CA_NAME="ca.$PDOMAIN"
# the partner's own host: its ports need no offset
P_PEER=7051 P_CCL=7052 P_OPS=7053 P_CA=7054 P_CAOPS=7055 P_CCS=9999
[ "$(id -u)" = 0 ] || die "the partner's host is a network namespace: run as root"
command -v ip >/dev/null 2>&1 || die "ip (iproute2) is missing"
mkdir -p "$PARTNERS/.links" "$LOGS/cli" "$PIDS"

# slot: the partner's /30 within this offset's /24 (kept across runs)
if [ -s "$PDIR/slot" ]; then
  read -r SLOT <"$PDIR/slot"
else
  SLOT=0
  while grep -qsx "$SLOT" "$PARTNERS"/*/slot; do SLOT=$((SLOT + 1)); done
  [ "$SLOT" -lt 64 ] || die "no free /30 left in 10.213.$SUBNET_X.0/24"
fi
HOST_IP="10.213.$SUBNET_X.$((SLOT * 4 + 1))"
NS_IP="10.213.$SUBNET_X.$((SLOT * 4 + 2))"
VETH_H="chp${OFF}h${SLOT}" VETH_N="chp${OFF}n${SLOT}"
ANCHOR="$NS_IP:$P_PEER"
ORD_HOST() { REPLY="$1.$ORD_DOMAIN"; }
ORD_ADDR="orderer1.$ORD_DOMAIN:${ORD_PORT[orderer1]}"
CONS="$PDIR/consortium"         # what the consortium gave the partner: TLS CAs
PCFG="$PDIR/config"
ORD_CA="$CONS/orderer-tlsca.pem"
ROOT_CA="$PDIR/ca/ca-cert.pem"

in_ns() { ip netns exec "$NS" "$@"; }

# start_proc NAME BINARY [VAR=value...] -- args...: inside the namespace
# (NAME partner-KEY-*) unless NAME ends in -fwd; records the process's own
# PID (ip netns exec, nohup and env all exec)
start_proc() {
  local name="$1" exe="$2"; shift 2
  local envs=() pre=(ip netns exec "$NS")
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  [ -x "$exe" ] || die "binary $exe is missing (needed for $name)"
  [[ "$name" == *-fwd ]] && pre=()
  echo "$exe" >"$PIDS/$name.exe"
  nohup "${pre[@]}" env "${envs[@]}" "$exe" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# wait_tcp NAME HOST PORT: until something accepts on HOST:PORT (30 s)
wait_tcp() {
  local deadline
  now; deadline=$((NOW + 30000))
  until (exec 3<>"/dev/tcp/$2/$3") 2>/dev/null; do
    proc_pid "$1"; pid_alive "$REPLY" || { log_tail "$LOGS/$1.log" 25; die "$1 exited during start-up (log: $LOGS/$1.log)"; }
    now; [ "$NOW" -lt "$deadline" ] || { log_tail "$LOGS/$1.log" 25; die "$1 does not listen on $2:$3 after 30s"; }
    sleep 0.05
  done
}
wait_http() { # wait_http NAME URL
  local deadline
  now; deadline=$((NOW + 30000))
  until curl -fsS -m 1 "$2" >/dev/null 2>&1; do
    proc_pid "$1"; pid_alive "$REPLY" || { log_tail "$LOGS/$1.log" 25; die "$1 exited during start-up (log: $LOGS/$1.log)"; }
    now; [ "$NOW" -lt "$deadline" ] || { log_tail "$LOGS/$1.log" 25; die "$1 not healthy at $2 after 30s"; }
    sleep 0.05
  done
}

# as_partner_admin cmd...: the peer CLI as the partner's admin, inside its
# host, against its own peer
as_partner_admin() {
  ip netns exec "$NS" env FABRIC_CFG_PATH="$PCFG" FABRIC_LOGGING_SPEC=warning \
    CORE_PEER_LOCALMSPID="$MSP" CORE_PEER_MSPCONFIGPATH="$PDIR/admin/msp" \
    CORE_PEER_ADDRESS="$ANCHOR" CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$ROOT_CA" "$@"
}

caclient() { in_ns fabric-ca-client "$@" --caname "ca-$KEY" --tls.certfiles "$ROOT_CA" --home "$PDIR/ca-client" 2>&1; }
ca_error() { sed -n 's/^Error: //p' <<<"$1" | tail -n1; }

# nodeou_msp DIR: the MSP folder's root is the partner's CA, with NodeOUs
nodeou_msp() {
  local d="$1" ou
  rm -rf "$d/cacerts" "$d/intermediatecerts" "$d/tlscacerts"
  mkdir -p "$d/cacerts" "$d/tlscacerts"
  cp "$ROOT_CA" "$d/cacerts/ca.pem"
  cp "$ROOT_CA" "$d/tlscacerts/ca.pem"
  {
    echo "NodeOUs:"
    echo "  Enable: true"
    for ou in client peer admin orderer; do
      echo "  ${ou^}OUIdentifier:"
      echo "    Certificate: cacerts/ca.pem"
      echo "    OrganizationalUnitIdentifier: $ou"
    done
  } >"$d/config.yaml"
}

# ----------------------------------------------------------------- down ---
if [ "$CMD" = down ]; then
  stop_partner_procs "$KEY"
  remove_host "$NS"
  echo "partner: $NAME is down (its files stay in $PDIR)"
  exit 0
fi

# ------------------------------------------------------------------- up ---
up() {
  local t0 n o k secret out pkgid
  now; t0=$NOW
  [ -f "$DEPLOYED" ] || die "no deployed network in $NET (network/up.sh first)"
  if proc_running "partner-$KEY-peer" && [ -e "/run/netns/$NS" ]; then
    echo "partner: $NAME already up"
    print_partner
    return 0
  fi
  stop_partner_procs "$KEY"
  remove_host "$NS"
  mkdir -p "$PDIR" "$CONS" "$PCFG"
  echo "$SLOT" >"$PDIR/slot"

  # 1. the host
  ip netns add "$NS"
  ip link add "$VETH_H" type veth peer name "$VETH_N" netns "$NS"
  echo "$NS" >"$PARTNERS/.links/$VETH_H"
  ip addr add "$HOST_IP/30" dev "$VETH_H"
  ip link set "$VETH_H" up
  in_ns ip link set lo up
  in_ns ip addr add "$NS_IP/30" dev "$VETH_N"
  in_ns ip link set "$VETH_N" up
  mkdir -p "/etc/netns/$NS"
  {
    echo "127.0.0.1 localhost"
    echo "$NS_IP $PEER_NAME $CA_NAME"
    for n in "${ORDERERS[@]}"; do echo "$HOST_IP $n.$ORD_DOMAIN"; done
    for o in "${ORGS[@]}"; do echo "$HOST_IP ${PEER_HOST[$o]}"; done
  } >"/etc/netns/$NS/hosts"
  echo "partner: host: namespace $NS, $VETH_N $NS_IP/30 <-> $VETH_H $HOST_IP/30 (host side)"

  # 2. the founders' public address
  local ports=""
  for n in "${ORDERERS[@]}"; do ports+="${ports:+,}${ORD_PORT[$n]}"; done
  for o in "${ORGS[@]}"; do ports+=",${PEER_PORT[$o]}"; done
  (cd "$ROOT" && go build -o "$BIN/charter-netadmin" ./cmd/charter-netadmin) || die "go build ./cmd/charter-netadmin failed"
  start_proc "partner-$KEY-fwd" "$BIN/charter-netadmin" -- forward --listen "$HOST_IP" --to 127.0.0.1 --ports "$ports"
  wait_tcp "partner-$KEY-fwd" "$HOST_IP" "${ORD_PORT[orderer1]}"
  cp "$ORDERER_TLS_CA" "$ORD_CA"
  for o in "${ORGS[@]}"; do cp "${PEER_TLSCA[$o]}" "$CONS/${ORG_KEY[$o]}-tlsca.pem"; done
  echo "partner: the founders' orderers and peers are reachable at $HOST_IP (ports $ports)"

  # 3. its PKI
  mkdir -p "$PDIR/ca"
  if [ ! -s "$PDIR/ca/registrar.secret" ]; then
    (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$PDIR/ca/registrar.secret")
  fi
  secret="$(<"$PDIR/ca/registrar.secret")"
  start_proc "partner-$KEY-ca" "$BIN/fabric-ca-server" \
    FABRIC_CA_SERVER_HOME="$PDIR/ca" \
    FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS="$NS_IP:$P_CAOPS" \
    -- start -b "registrar:$secret" --address "$NS_IP" --port "$P_CA" --tls.enabled \
    --ca.name "ca-$KEY" --csr.cn "$CA_NAME" --csr.hosts "$NS_IP,$CA_NAME"
  wait_http "partner-$KEY-ca" "http://$NS_IP:$P_CAOPS/healthz"
  [ -s "$ROOT_CA" ] || die "the CA wrote no root certificate ($ROOT_CA)"
  if [ ! -s "$PDIR/peer/tls/server.crt" ]; then
    rm -rf "$PDIR/ca-client" "$PDIR/registrar" "$PDIR/peer" "$PDIR/admin" "$PDIR/msp"
    out="$(caclient enroll -u "https://registrar:$secret@$CA_NAME:$P_CA" --mspdir "$PDIR/registrar/msp")" ||
      die "the registrar cannot enroll at $CA_NAME: $(ca_error "$out")"
    local psecret asecret
    psecret="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    asecret="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
    out="$(caclient register -u "https://$CA_NAME:$P_CA" --mspdir "$PDIR/registrar/msp" --id.name peer0 --id.secret "$psecret" --id.type peer)" ||
      die "register peer0: $(ca_error "$out")"
    out="$(caclient register -u "https://$CA_NAME:$P_CA" --mspdir "$PDIR/registrar/msp" --id.name Admin --id.secret "$asecret" --id.type admin)" ||
      die "register Admin: $(ca_error "$out")"
    out="$(caclient enroll -u "https://peer0:$psecret@$CA_NAME:$P_CA" --mspdir "$PDIR/peer/msp" --csr.cn "$PEER_NAME" --csr.hosts "$PEER_NAME")" ||
      die "enroll peer0: $(ca_error "$out")"
    out="$(caclient enroll -u "https://peer0:$psecret@$CA_NAME:$P_CA" --mspdir "$PDIR/peer/tlsmsp" --enrollment.profile tls \
      --csr.cn "$PEER_NAME" --csr.hosts "$NS_IP,$PEER_NAME")" || die "enroll peer0's TLS certificate: $(ca_error "$out")"
    out="$(caclient enroll -u "https://Admin:$asecret@$CA_NAME:$P_CA" --mspdir "$PDIR/admin/msp" --csr.cn "Admin@$PDOMAIN")" ||
      die "enroll Admin: $(ca_error "$out")"
    nodeou_msp "$PDIR/peer/msp"
    nodeou_msp "$PDIR/admin/msp"
    mkdir -p "$PDIR/msp" "$PDIR/peer/tls"
    nodeou_msp "$PDIR/msp"
    cp "$PDIR/peer/tlsmsp/signcerts/cert.pem" "$PDIR/peer/tls/server.crt"
    local keys=("$PDIR"/peer/tlsmsp/keystore/*_sk)
    [ ${#keys[@]} -eq 1 ] || die "expected one TLS key in $PDIR/peer/tlsmsp/keystore"
    (umask 077; cp "${keys[0]}" "$PDIR/peer/tls/server.key")
    cp "$ROOT_CA" "$PDIR/peer/tls/ca.crt"
    echo "partner: PKI: $NAME's CA enrolled peer0 (TLS SANs $NS_IP, $PEER_NAME) and Admin; public MSP folder $PDIR/msp"
  fi

  # 4. its peer: the founders' core.yaml with the orderers' endpoints
  # overridden to their host names (the channel names 127.0.0.1:<port>)
  awk -v ca="$ORD_CA" -v ords="$(for n in "${ORDERERS[@]}"; do printf '%s=%s ' "127.0.0.1:${ORD_PORT[$n]}" "$n.$ORD_DOMAIN:${ORD_PORT[$n]}"; done)" '
    /^        addressOverrides:/ {
      print
      n = split(ords, pairs, " ")
      for (i = 1; i <= n; i++) {
        split(pairs[i], kv, "=")
        print "          - from: " kv[1]
        print "            to: " kv[2]
        print "            caCertsFile: " ca
      }
      next
    }
    { print }' "$CFG/core.yaml" >"$PCFG/core.yaml"
  grep -q "caCertsFile: $ORD_CA" "$PCFG/core.yaml" || die "patching core.yaml failed (addressOverrides)"
  mkdir -p "$PDIR/data/peer"
  start_proc "partner-$KEY-peer" "$BIN/peer" \
    FABRIC_CFG_PATH="$PCFG" FABRIC_LOGGING_SPEC="${CHARTER_LOG_SPEC:-info}" \
    FABRIC_LOGGING_FORMAT='%{time:2006-01-02 15:04:05.000 MST} %{id:04x} %{level:.4s} [%{module}] %{shortfunc} -> %{message}' \
    CORE_PEER_ID="$PEER_NAME" CORE_PEER_NETWORKID=charter \
    CORE_PEER_LISTENADDRESS="$ANCHOR" CORE_PEER_ADDRESS="$ANCHOR" \
    CORE_PEER_CHAINCODELISTENADDRESS="$NS_IP:$P_CCL" CORE_PEER_CHAINCODEADDRESS="$NS_IP:$P_CCL" \
    CORE_PEER_GOSSIP_BOOTSTRAP="$ANCHOR" CORE_PEER_GOSSIP_EXTERNALENDPOINT="$ANCHOR" \
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL=1s CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL=1s \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=1s CORE_PEER_GOSSIP_DIALTIMEOUT=1s \
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL=500ms \
    CORE_PEER_LOCALMSPID="$MSP" CORE_PEER_MSPCONFIGPATH="$PDIR/peer/msp" \
    CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE="$PDIR/peer/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$PDIR/peer/tls/server.key" CORE_PEER_TLS_ROOTCERT_FILE="$PDIR/peer/tls/ca.crt" \
    CORE_PEER_GATEWAY_ENABLED=true \
    CORE_PEER_FILESYSTEMPATH="$PDIR/data/peer" CORE_LEDGER_SNAPSHOTS_ROOTDIR="$PDIR/data/peer/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="$NS_IP:$P_OPS" CORE_METRICS_PROVIDER=prometheus \
    -- node start

  # its chaincode service: the build the founders run, as a service the
  # peer dials at <namespace address>:9999 (mutual TLS with the peer's TLS
  # certificate, as the founders' packages do)
  package_partner_cc
  read -r pkgid <"$PDIR/chaincode/package-id"
  local exe="${CHARTER_CHAINCODE_BIN:-$BIN/charter-chaincode}" founders="" f
  if [ -f "$CCDIR/${ORG_KEY[${ORGS[0]}]}/binary" ]; then read -r exe <"$CCDIR/${ORG_KEY[${ORGS[0]}]}/binary"; fi
  for f in "${ORGS[@]}"; do founders+="${founders:+,}${f}MSP"; done
  local extra=()
  [ -n "${CHARTER_MAX_CLOCK_SKEW:-}" ] && extra+=(CHARTER_MAX_CLOCK_SKEW="$CHARTER_MAX_CLOCK_SKEW")
  echo "$exe" >"$PDIR/chaincode/binary"
  start_proc "partner-$KEY-cc" "$exe" \
    CHAINCODE_SERVER_ADDRESS="$NS_IP:$P_CCS" CORE_CHAINCODE_ID_NAME="$pkgid" \
    CORE_PEER_LOCALMSPID="$MSP" CORE_PEER_TLS_ENABLED=true \
    CORE_TLS_CLIENT_CERT_FILE="$PDIR/peer/tls/server.crt" CORE_TLS_CLIENT_KEY_FILE="$PDIR/peer/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$PDIR/peer/tls/ca.crt" \
    CHARTER_FOUNDERS="${CHARTER_FOUNDERS:-$founders}" "${extra[@]}" --
  wait_http "partner-$KEY-peer" "http://$NS_IP:$P_OPS/healthz"
  wait_tcp "partner-$KEY-cc" "$NS_IP" "$P_CCS"
  now
  echo "partner: $NAME up in $((NOW - t0)) ms: CA https://$CA_NAME:$P_CA, peer $ANCHOR, chaincode service $NS_IP:$P_CCS (namespace $NS)"
  print_partner
}

package_partner_cc() {
  ccaas_package "$PDIR/chaincode" "$PDIR/peer/tls" "$NS_IP:$P_CCS" "${CC_NAME}_$KEY" "$CC_NAME-$KEY"
}

print_partner() {
  printf '{"name":"%s","mspId":"%s","namespace":"%s","address":"%s","hostAddress":"%s","anchor":"%s","mspDir":"%s","adminMsp":"%s","caUrl":"https://%s:%s","dir":"%s"}\n' \
    "$NAME" "$MSP" "$NS" "$NS_IP" "$HOST_IP" "$ANCHOR" "$PDIR/msp" "$PDIR/admin/msp" "$CA_NAME" "$P_CA" "$PDIR"
}

# ----------------------------------------------------------------- join ---
# partner_height -> REPLY = the partner peer's ledger height (0 if none)
partner_height() {
  local out
  out="$(as_partner_admin peer channel getinfo -c "$CHANNEL" 2>&1)" || { REPLY=0; return; }
  REPLY="$(sed -n 's/.*"height":\([0-9]*\).*/\1/p' <<<"$out")"
  REPLY="${REPLY:-0}"
}
join() {
  local t0 out deadline want pkgid version sequence o known
  now; t0=$NOW
  proc_running "partner-$KEY-peer" || die "$NAME's peer does not run (network/partner.sh up $NAME)"
  read -r pkgid <"$PDIR/chaincode/package-id"
  # the channel, from block 0, through the host's address
  if ! as_partner_admin peer channel list 2>/dev/null | grep -qx "$CHANNEL"; then
    out="$(as_partner_admin env FABRIC_LOGGING_SPEC=info peer channel fetch 0 "$PDIR/$CHANNEL-0.block" -o "$ORD_ADDR" --tls --cafile "$ORD_CA" -c "$CHANNEL" 2>&1)" ||
      { echo "$out" >&2; die "cannot fetch block 0 of '$CHANNEL' from $ORD_ADDR (is $MSP in the channel? network/admit.sh)"; }
    out="$(as_partner_admin peer channel join -b "$PDIR/$CHANNEL-0.block" 2>&1)" || { echo "$out" >&2; die "$NAME's peer cannot join '$CHANNEL'"; }
    echo "partner: $NAME's peer joined '$CHANNEL' from block 0 (fetched from $ORD_ADDR)"
  fi
  # caught up with the founders
  peer_height "${ORGS[0]}"; want="$REPLY"
  now; deadline=$((NOW + 120000))
  while partner_height; [ "$REPLY" -lt "$want" ]; do
    now; [ "$NOW" -lt "$deadline" ] || { log_tail "$LOGS/partner-$KEY-peer.log" 30; die "$NAME's peer is at height $REPLY after 120s, the ${ORGS[0]} peer at $want"; }
    sleep 0.2
  done
  echo "partner: $NAME's peer caught up (height $REPLY)"
  # install and approve the committed definition
  if ! as_partner_admin peer lifecycle chaincode queryinstalled 2>/dev/null | grep -q "$pkgid"; then
    out="$(as_partner_admin peer lifecycle chaincode install "$PDIR/chaincode/$CC_NAME-$KEY.tar.gz" 2>&1)" || { echo "$out" >&2; die "install failed"; }
  fi
  out="$(as_partner_admin peer lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC_NAME" -O json 2>&1)" || { echo "$out" >&2; die "no committed definition of '$CC_NAME' on $NAME's peer"; }
  version="$(tr -d ' \n' <<<"$out" | sed -n 's/.*"version":"\([^"]*\)".*/\1/p')"
  sequence="$(tr -d ' \n' <<<"$out" | sed -n 's/.*"sequence":\([0-9]*\).*/\1/p')"
  [ -n "$version" ] && [ -n "$sequence" ] || { echo "$out" >&2; die "cannot read the committed definition's version and sequence"; }
  if ! as_partner_admin peer lifecycle chaincode queryapproved -C "$CHANNEL" -n "$CC_NAME" --sequence "$sequence" -O json 2>/dev/null | grep -q "$pkgid"; then
    out="$(as_partner_admin peer lifecycle chaincode approveformyorg -o "$ORD_ADDR" --tls --cafile "$ORD_CA" \
      --channelID "$CHANNEL" --name "$CC_NAME" --version "$version" --sequence "$sequence" --package-id "$pkgid" 2>&1)" ||
      { echo "$out" >&2; die "$NAME's admin could not approve '$CC_NAME' version $version sequence $sequence"; }
  fi
  echo "partner: $NAME installed its package and approved '$CC_NAME' version $version sequence $sequence ($pkgid)"
  # every founder's peer knows it; its own peer runs the chaincode
  now; deadline=$((NOW + 90000))
  for o in "${ORGS[@]}"; do
    while known="$(curl -fsS -m 1 "http://127.0.0.1:${PEER_OPS[$o]}/metrics" 2>/dev/null |
      sed -n "s/^gossip_membership_total_peers_known{channel=\"$CHANNEL\"} //p")"; [ "${known:-0}" -lt "${#ORGS[@]}" ]; do
      now; [ "$NOW" -lt "$deadline" ] || die "the $o peer knows ${known:-0} peers on '$CHANNEL' through gossip, not $NAME's ($ANCHOR)"
      sleep 0.2
    done
  done
  until out="$(as_partner_admin peer chaincode query -C "$CHANNEL" -n "$CC_NAME" -c '{"function":"org.hyperledger.fabric:GetMetadata","Args":[]}' 2>&1)"; do
    now; [ "$NOW" -lt "$deadline" ] || { echo "$out" >&2; log_tail "$LOGS/partner-$KEY-cc.log"; die "'$CC_NAME' does not answer on $NAME's peer"; }
    sleep 0.2
  done
  now
  echo "partner: $NAME's peer is in '$CHANNEL' and runs '$CC_NAME' ($((NOW - t0)) ms)"
  printf '{"name":"%s","mspId":"%s","joined":"%s","chaincode":"%s","version":"%s","sequence":%s,"packageId":"%s"}\n' \
    "$NAME" "$MSP" "$CHANNEL" "$CC_NAME" "$version" "$sequence" "$pkgid"
}

# --------------------------------------------------------------- enroll ---
enroll() {
  local id="$1" dir secret out
  [[ "$id" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || bad_usage "ID '$id': 1..64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)"
  case "$id" in registrar|peer0|Admin) bad_usage "ID '$id' is taken by the CA's own identities" ;; esac
  proc_running "partner-$KEY-ca" || die "$NAME's CA does not run (network/partner.sh up $NAME)"
  dir="$PDIR/members/$id"
  [ ! -e "$dir" ] || die "$id is already enrolled in $NAME ($dir)"
  secret="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  out="$(caclient register -u "https://$CA_NAME:$P_CA" --mspdir "$PDIR/registrar/msp" --id.name "$id" --id.secret "$secret" \
    --id.type client --id.maxenrollments 1 --id.attrs "charter.org=$NAME:ecert")" || die "$NAME's CA does not register $id: $(ca_error "$out")"
  mkdir -p "$dir"
  out="$(caclient enroll -u "https://$id:$secret@$CA_NAME:$P_CA" --mspdir "$dir/msp")" || { rm -rf "$dir"; die "$id cannot enroll: $(ca_error "$out")"; }
  cp "$dir/msp/signcerts/cert.pem" "$dir/cert.pem"
  local keys=("$dir"/msp/keystore/*_sk)
  [ ${#keys[@]} -eq 1 ] && [ -f "${keys[0]}" ] || die "expected one key in $dir/msp/keystore"
  (umask 077; cp "${keys[0]}" "$dir/key.pem")
  echo "partner: $NAME's CA (inside $NS) registered and enrolled $id"
  printf '{"org":"%s","mspId":"%s","enrollmentId":"%s","certPath":"%s","keyPath":"%s"}\n' "$NAME" "$MSP" "$id" "$dir/cert.pem" "$dir/key.pem"
}

case "$CMD" in
  up) [ $# -eq 0 ] || bad_usage "up takes NAME only"; up ;;
  join) [ $# -eq 0 ] || bad_usage "join takes NAME only"; join ;;
  enroll) [ $# -eq 1 ] || bad_usage "enroll takes NAME ID"; enroll "$1" ;;
esac

#!/usr/bin/env bash
# Upgrades the chaincode of a running network to an authorised build,
# rolling, under two-person integrity.
#
#   network/upgrade.sh --release STAMP [--version V]
#   network/upgrade.sh --next-sequence      print the sequence an upgrade would take
#
# 1. Builds ./cmd/charter-chaincode reproducibly (network/build-chaincode.sh
#    --release STAMP) and takes its SHA-256 D.
# 2. Reads the committed definition (sequence N) and asks every
#    organisation's own peer upgrade:Check(D, N+1): the ledger must hold an
#    executed chaincode_upgrade decision authorising exactly D for N+1, signed
#    off by House A maintainers of two organisations. Otherwise: REFUSED,
#    nothing started, nothing approved.
# 3. Per organisation: a new CCaaS package (label charter_<N+1>) pointing at
#    a second port, a new chaincode service running the build (old and new
#    run side by side, so votes keep flowing), and the running process's
#    executable hashed: it must be D (a service running anything else:
#    REFUSED, the new services stopped, nothing approved).
# 4. Installs the packages; every organisation approves N+1 (concurrently);
#    with a majority of approvals, commits N+1 with their peers. Until then
#    the old services serve. Transactions endorsed under N while the commit
#    lands fail MVCC validation, and endorsements while the peers disagree
#    on the sequence fail; the client asks again in both cases.
# 5. Waits until every organisation's peer answers system:Build with D (the
#    peer now dials its new service), then stops the old services and
#    records the new package, port and binary for restarts.
#
# An organisation's peer that is down (restarting, under maintenance) is
# waited for at every step that needs it, for CHARTER_UPGRADE_PEER_WAIT
# seconds (default 120): before the install, the upgrade then refuses
# (nothing approved); after the commit, it reports which organisation has
# still to approve. An error before the commit stops the new services.
#
# Exit status: 0 upgraded; 3 refused (the rule is named; the channel and the
# ledger are unchanged); 1 any other failure.
#
# Test hook: CHARTER_UPGRADE_BIN_<ORG> (ORG upper-case: FOUNDATION, LABA,
# LABB) makes that organisation run another binary, as a rogue operator
# would; the running-build check refuses it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for v in $(compgen -e); do
  case "$v" in CORE_*|ORDERER_*|FABRIC_*|CHAINCODE_*) unset "$v" ;; esac
done
export PATH="$BIN:$PATH"

RELEASE="" VERSION="" MODE=upgrade
while [ $# -gt 0 ]; do
  case "$1" in
    --release) RELEASE="$2"; shift 2 ;;
    --version) VERSION="$2"; shift 2 ;;
    --next-sequence) MODE=next; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "upgrade: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

T0=$(( ${EPOCHREALTIME/./} / 1000 ))
PHASE="" PHASE_T=$T0
phase() {
  local now=$(( ${EPOCHREALTIME/./} / 1000 ))
  [ -n "$PHASE" ] && printf 'upgrade: %-58s %6d ms\n' "$PHASE" $((now - PHASE_T))
  PHASE="$1" PHASE_T=$now
}
COMMITTED=0
die() {
  echo "upgrade: ERROR${PHASE:+ (phase: $PHASE)}: $*" >&2
  # before the commit the new services serve nothing: stop them; after it
  # the peers dial them, so they stay
  if [ "$COMMITTED" = 0 ] && [ ${#NEW_PROCS[@]} -gt 0 ]; then
    stop_new
    echo "upgrade: sequence not committed; the new services are stopped, the old ones serve" >&2
  fi
  exit 1
}
NEW_PROCS=()
refuse() {
  echo "upgrade: REFUSED: $*" >&2
  stop_new
  echo "upgrade: nothing was approved or committed; the channel and the ledger are unchanged" >&2
  exit 3
}
stop_new() {
  local n pid
  for n in "${NEW_PROCS[@]}"; do
    proc_pid "$n"; pid="$REPLY"
    if pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for n in "${NEW_PROCS[@]}"; do
    proc_pid "$n"; pid="$REPLY"
    for _ in $(seq 1 60); do pid_alive "$pid" || break; sleep 0.05; done
    pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null || true
    rm -f "$PIDS/$n.pid" "$PIDS/$n.exe"
  done
  NEW_PROCS=()
}

[ -f "$DEPLOYED" ] || die "no deployed network in $NET (network/up.sh first)"
mkdir -p "$LOGS/cli"

ORD_ADDR="127.0.0.1:${ORD_PORT[orderer1]}"

# An organisation's peer may be down for a while during the rollout (a
# restart, maintenance): every step that needs it asks again until it
# answers, for at most CHARTER_UPGRADE_PEER_WAIT seconds (default 120).
PEER_WAIT="${CHARTER_UPGRADE_PEER_WAIT:-120}"
# retry_peer ORG LOG CMD...: run CMD until it succeeds or ORG's peer has had
# PEER_WAIT seconds to answer; says when it waits.
retry_peer() {
  local o="$1" log="$2" deadline said=0
  shift 2
  now_ms; deadline=$((NOW + PEER_WAIT * 1000))
  until "$@" >"$log" 2>&1; do
    now_ms
    [ "$NOW" -lt "$deadline" ] || return 1
    if [ "$said" = 0 ]; then
      echo "  $o: its peer (127.0.0.1:${PEER_PORT[$o]}) does not answer ($(tail -n 1 "$log" | cut -c1-160)); asking again for up to ${PEER_WAIT}s"
      said=1
    fi
    sleep 1
  done
  [ "$said" = 0 ] || echo "  $o: its peer answers again"
}

committed() { # -> CUR_SEQ, CUR_VERSION
  local out
  out="$(as_admin Foundation peer lifecycle chaincode querycommitted --channelID "$CHANNEL" --name "$CC_NAME" --output json 2>&1)" ||
    die "querycommitted failed: $out"
  CUR_SEQ="$(sed -n 's/.*"sequence": *\([0-9]*\).*/\1/p' <<<"$out" | head -n1)"
  CUR_VERSION="$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' <<<"$out" | head -n1)"
  [ -n "$CUR_SEQ" ] || die "cannot read the committed sequence from: $out"
}

phase "read the committed definition"
committed
NEXT=$((CUR_SEQ + 1))
if [ "$MODE" = next ]; then echo "$NEXT"; exit 0; fi
[ -n "$RELEASE" ] || die "--release STAMP is required (the build's stamp, as the chaincode_upgrade decision's digest was computed)"
VERSION="${VERSION:-$RELEASE}"
echo "  committed: sequence $CUR_SEQ version $CUR_VERSION; upgrading to sequence $NEXT version $VERSION"

phase "reproducible build (release $RELEASE)"
stage="$NET/chaincode/builds/.stage-$$"
line="$("$ROOT/network/build-chaincode.sh" -o "$stage/charter-chaincode" --release "$RELEASE")" || die "build failed"
DIGEST="${line%% *}"
BUILD_DIR="$NET/chaincode/builds/$DIGEST"
mkdir -p "$BUILD_DIR"
mv -f "$stage/charter-chaincode" "$BUILD_DIR/charter-chaincode"
rmdir "$stage" 2>/dev/null || true
echo "  build sha256 $DIGEST ($BUILD_DIR/charter-chaincode)"

phase "ledger: authorised and signed off? (every organisation's peer)"
for o in "${ORGS[@]}"; do
  retry_peer "$o" "$LOGS/cli/upgrade-reach-$o.log" tcp_open "${PEER_PORT[$o]}" ||
    refuse "the $o peer (127.0.0.1:${PEER_PORT[$o]}) did not answer for ${PEER_WAIT}s: its ledger cannot clear the build, and an upgrade needs every organisation's peer"
  if ! out="$(as_admin "$o" peer chaincode query -C "$CHANNEL" -n "$CC_NAME" \
    -c "{\"function\":\"upgrade:Check\",\"Args\":[\"$DIGEST\",\"$NEXT\"]}" 2>&1)"; then
    msg="$(sed -n 's/.*message:"\(.*\)".*/\1/p' <<<"$out" | head -n1)"
    refuse "the $o peer's ledger does not clear build $DIGEST for sequence $NEXT: ${msg:-$out}"
  fi
  echo "  $o: cleared ($(sed -n 's/.*"organisations":\[\([^]]*\)\].*/\1/p' <<<"$out" | tr -d '"') signed off)"
done

phase "start the new chaincode services next to the old ones"
declare -A NEW_PORT NEW_PKGID NEW_DIR NEW_BIN
for o in "${ORGS[@]}"; do
  k="${ORG_KEY[$o]}"
  base=$((9990 + OFF))
  case "$o" in Foundation) base=$((9990 + OFF)) ;; LabA) base=$((9991 + OFF)) ;; LabB) base=$((9992 + OFF)) ;; esac
  if [ "${CCS_PORT[$o]}" = "$base" ]; then NEW_PORT[$o]=$((base + CC_ALT_STEP)); else NEW_PORT[$o]=$base; fi
  dir="$CCDIR/$k/seq$NEXT"
  rm -rf "$dir"; mkdir -p "$dir"
  NEW_DIR[$o]="$dir"
  d="${PEER_DIR[$o]}"
  label="${CC_NAME}_$NEXT"
  ccaas_package "$dir" "$d/tls" "127.0.0.1:${NEW_PORT[$o]}" "$label" "$CC_NAME-$k"
  NEW_PKGID[$o]="$REPLY"
  hook="CHARTER_UPGRADE_BIN_${o^^}"
  NEW_BIN[$o]="${!hook:-$BUILD_DIR/charter-chaincode}"
  [ -x "${NEW_BIN[$o]}" ] || die "${NEW_BIN[$o]} is not an executable"
  name="cc-$k-next"
  if proc_running "$name"; then die "$name is already running (an interrupted upgrade? network/down.sh stops it)"; fi
  founders=""
  for f in "${ORGS[@]}"; do founders+="${founders:+,}${f}MSP"; done
  extra=()
  [ -n "${CHARTER_MAX_CLOCK_SKEW:-}" ] && extra+=(CHARTER_MAX_CLOCK_SKEW="$CHARTER_MAX_CLOCK_SKEW")
  echo "${NEW_BIN[$o]}" >"$PIDS/$name.exe"
  nohup env CHAINCODE_SERVER_ADDRESS="127.0.0.1:${NEW_PORT[$o]}" \
    CORE_CHAINCODE_ID_NAME="${NEW_PKGID[$o]}" \
    CORE_PEER_LOCALMSPID="${o}MSP" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_TLS_CLIENT_CERT_FILE="$d/tls/server.crt" \
    CORE_TLS_CLIENT_KEY_FILE="$d/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$d/tls/ca.crt" \
    CHARTER_FOUNDERS="${CHARTER_FOUNDERS:-$founders}" \
    "${extra[@]}" \
    "${NEW_BIN[$o]}" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
  NEW_PROCS+=("$name")
done
for o in "${ORGS[@]}"; do
  name="cc-${ORG_KEY[$o]}-next"
  deadline=$(( $(( ${EPOCHREALTIME/./} / 1000 )) + 30000 ))
  until tcp_open "${NEW_PORT[$o]}"; do
    proc_pid "$name"
    pid_alive "$REPLY" || { tail -n 20 "$LOGS/$name.log" >&2; stop_new; die "$name exited (log: $LOGS/$name.log)"; }
    [ "$(( ${EPOCHREALTIME/./} / 1000 ))" -lt "$deadline" ] || { stop_new; die "$name not listening on ${NEW_PORT[$o]} after 30s"; }
    sleep 0.05
  done
done

phase "running builds: every new service's executable is the authorised one"
for o in "${ORGS[@]}"; do
  name="cc-${ORG_KEY[$o]}-next"
  proc_pid "$name"
  read -r running _ < <(sha256sum "/proc/$REPLY/exe")
  if [ "$running" != "$DIGEST" ]; then
    refuse "the $o chaincode service (pid $REPLY) runs build $running, not the authorised $DIGEST; no organisation approves a definition whose running build is not the authorised one"
  fi
  echo "  $o: pid $REPLY runs $running"
done

phase "install the new packages (concurrently)"
install_pkg() { # install_pkg ORG: installed (or already installed)
  as_admin "$1" env FABRIC_LOGGING_SPEC=info peer lifecycle chaincode install "${NEW_DIR[$1]}/$CC_NAME-${ORG_KEY[$1]}.tar.gz" >"$LOGS/cli/upgrade-install-$1.out" 2>&1 ||
    grep -q 'already successfully installed' "$LOGS/cli/upgrade-install-$1.out" || { cat "$LOGS/cli/upgrade-install-$1.out"; return 1; }
}
pids=()
for o in "${ORGS[@]}"; do
  retry_peer "$o" "$LOGS/cli/upgrade-install-$o.log" install_pkg "$o" &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { o="${ORGS[$i]}"; tail -n 5 "$LOGS/cli/upgrade-install-$o.log" >&2
    refuse "the $o peer did not install the new package within ${PEER_WAIT}s (its peer down?)"; }
done

approve() {
  as_admin "$1" peer lifecycle chaincode approveformyorg -o "$ORD_ADDR" --tls --cafile "$ORDERER_TLS_CA" \
    --channelID "$CHANNEL" --name "$CC_NAME" --version "$VERSION" --sequence "$NEXT" \
    --package-id "${NEW_PKGID[$1]}" --waitForEvent >"$LOGS/cli/upgrade-approve-$1.log" 2>&1
}
MAJORITY=$(( ${#ORGS[@]} / 2 + 1 ))
# Every organisation approves before the commit (concurrently; approvals
# are independent): an organisation that approved only after the commit
# would leave its peer unable to endorse in between ("not yet been approved
# by this org"). The commit needs a majority of them.
phase "approve sequence $NEXT (every organisation, concurrently; a majority of ${#ORGS[@]} needed)"
pids=()
for o in "${ORGS[@]}"; do approve "$o" & pids+=($!); done
approved=() missing=()
for i in "${!pids[@]}"; do
  o="${ORGS[$i]}"
  if wait "${pids[$i]}"; then approved+=("$o"); echo "  $o approved"; else missing+=("$o"); tail -n 3 "$LOGS/cli/upgrade-approve-$o.log" >&2; fi
done
[ ${#approved[@]} -ge "$MAJORITY" ] || die "only ${#approved[@]} of ${#ORGS[@]} organisations approved sequence $NEXT (${approved[*]:-none}); a majority is $MAJORITY"

phase "commit sequence $NEXT with the approving organisations' peers"
peer_args=()
for o in "${approved[@]}"; do peer_args+=(--peerAddresses "127.0.0.1:${PEER_PORT[$o]}" --tlsRootCertFiles "${PEER_TLSCA[$o]}"); done
as_admin "${approved[0]}" peer lifecycle chaincode commit -o "$ORD_ADDR" --tls --cafile "$ORDERER_TLS_CA" \
  --channelID "$CHANNEL" --name "$CC_NAME" --version "$VERSION" --sequence "$NEXT" \
  "${peer_args[@]}" --waitForEvent >"$LOGS/cli/upgrade-commit.log" 2>&1 ||
  { tail -n 5 "$LOGS/cli/upgrade-commit.log" >&2; die "commit of sequence $NEXT failed"; }
COMMITTED=1
now_ms; echo "  committed $(( NOW - T0 )) ms after the upgrade started"

if [ ${#missing[@]} -gt 0 ]; then
  phase "the organisations whose approval failed approve again"
  for o in "${missing[@]}"; do
    retry_peer "$o" "$LOGS/cli/upgrade-reapprove-$o.log" approve "$o" ||
      { tail -n 3 "$LOGS/cli/upgrade-approve-$o.log" >&2; die "the $o approval of sequence $NEXT failed for ${PEER_WAIT}s; sequence $NEXT is committed with the others' approvals: the $o peer endorses again once its organisation approves (rerun: peer lifecycle chaincode approveformyorg)"; }
    echo "  $o approved"
  done
fi

phase "every peer reports the authorised build (system:Build)"
for o in "${ORGS[@]}"; do
  deadline=$(( $(( ${EPOCHREALTIME/./} / 1000 )) + 60000 + PEER_WAIT * 1000 ))
  while :; do
    out="$(as_admin "$o" peer chaincode query -C "$CHANNEL" -n "$CC_NAME" -c '{"function":"system:Build","Args":[]}' 2>&1)" || true
    got="$(sed -n 's/.*"digest":"\([0-9a-f]*\)".*/\1/p' <<<"$out")"
    [ "$got" = "$DIGEST" ] && break
    [ "$(( ${EPOCHREALTIME/./} / 1000 ))" -lt "$deadline" ] || die "the $o peer reports build '${got:-?}' ($out), not $DIGEST"
    sleep 0.1
  done
  echo "  $o: $got"
done

phase "retire the old services, record the new ones"
for o in "${ORGS[@]}"; do
  k="${ORG_KEY[$o]}"
  proc_pid "cc-$k"; old="$REPLY"
  if proc_running "cc-$k"; then kill -TERM "$old" 2>/dev/null || true; fi
  for _ in $(seq 1 60); do pid_alive "$old" || break; sleep 0.05; done
  pid_alive "$old" && kill -KILL "$old" 2>/dev/null || true
  mv -f "$PIDS/cc-$k-next.pid" "$PIDS/cc-$k.pid"
  mv -f "$PIDS/cc-$k-next.exe" "$PIDS/cc-$k.exe"
  echo "${NEW_PKGID[$o]}" >"$CCDIR/$k/package-id"
  echo "${NEW_PORT[$o]}" >"$CCDIR/$k/port"
  echo "${NEW_BIN[$o]}" >"$CCDIR/$k/binary"
  sed -i "s|^CHARTER_${o^^}_PACKAGE_ID=.*|CHARTER_${o^^}_PACKAGE_ID='${NEW_PKGID[$o]}'|; s|^CHARTER_${o^^}_CCSERVER_PORT=.*|CHARTER_${o^^}_CCSERVER_PORT=${NEW_PORT[$o]}|" "$NET/network.env"
done
NEW_PROCS=()
sed -i "s/^chaincode=.*/chaincode=$CC_NAME version=$VERSION sequence=$NEXT/" "$DEPLOYED"
printf '%s sequence=%s version=%s digest=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$NEXT" "$VERSION" "$DIGEST" >>"$NET/upgrades.log"
phase ""
now_ms
echo "upgrade: chaincode '$CC_NAME' at sequence $NEXT (version $VERSION, build $DIGEST) on every organisation in $(( NOW - T0 )) ms"

#!/usr/bin/env bash
# The consortium's side of admitting a partner organisation by decision,
# and of removing one (config side).
#
#   network/admit.sh MSPID --msp-dir DIR --anchor HOST:PORT[,HOST:PORT]
#       1. asks every organisation's own peer for the admission an executed
#          partner_admission decision recorded (admission:Get MSPID): every
#          peer must answer, with the same record; none: REFUSED;
#       2. builds the channel configuration update that adds the
#          organisation — its public MSP folder DIR (cacerts/, tlscacerts/),
#          NodeOUs, its Readers/Writers/Admins/Endorsement policies, its
#          anchor peers — with fabric-config (charter-netadmin
#          admit-update), which refuses an organisation whose MSP ID, root
#          or TLS CA digests or peers differ from the admission: REFUSED;
#       3. has the admins of a MAJORITY of the application organisations
#          sign it (the channel's /Channel/Application/Admins policy) and the
#          last one submit it; the orderers check the signatures; waits
#          until every peer has the new config block.
#       The newcomer then joins its peer to the channel, installs its
#       chaincode package and approves the committed definition
#       (docs/consortium.md, "Admitting a partner").
#
#   network/admit.sh --remove MSPID
#       the mirror image: asks every organisation's own peer for MSPID's
#       admission record, which must show the removal an executed
#       partner_removal decision recorded (none, or peers that disagree:
#       REFUSED); then a config update that removes the organisation from
#       the Application group, signed by a majority of the admins.
#
# Exit status: 0 done; 3 refused (the rule is named; the channel
# configuration is unchanged); 2 usage; 1 any other failure.
#
# Test hook: CHARTER_ADMIT_SIGNERS="OrgA OrgB" has exactly those
# organisations' admins sign (the last one submits).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for v in $(compgen -e); do
  case "$v" in CORE_*|ORDERER_*|FABRIC_*|CHAINCODE_*) unset "$v" ;; esac
done
export PATH="$BIN:$PATH"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "admit: ERROR: $*" >&2; exit 1; }
refuse() { echo "admit: REFUSED: $*" >&2; echo "admit: the channel configuration is unchanged" >&2; exit 3; }
bad_usage() { echo "admit: $*" >&2; echo "usage: network/admit.sh MSPID --msp-dir DIR --anchor HOST:PORT | --remove MSPID" >&2; exit 2; }

MODE=admit MSP="" DIR="" ANCHOR=""
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --remove) [ $# -ge 2 ] || bad_usage "--remove needs an MSP ID"; MODE=remove MSP="$2"; shift 2 ;;
    --msp-dir) [ $# -ge 2 ] || bad_usage "--msp-dir needs a folder"; DIR="$2"; shift 2 ;;
    --anchor) [ $# -ge 2 ] || bad_usage "--anchor needs host:port"; ANCHOR="$2"; shift 2 ;;
    -*) bad_usage "unknown argument '$1'" ;;
    *) [ -z "$MSP" ] || bad_usage "one MSP ID only"; MSP="$1"; shift ;;
  esac
done
[[ "$MSP" =~ ^[A-Za-z0-9._-]{1,128}$ ]] || bad_usage "MSP ID '$MSP': 1..128 of letters, digits, '.', '_', '-'"
if [ "$MODE" = admit ]; then
  [ -d "$DIR" ] || bad_usage "--msp-dir DIR (the organisation's public MSP folder) is required"
  [ -n "$ANCHOR" ] || bad_usage "--anchor HOST:PORT is required"
fi
[ -f "$DEPLOYED" ] || die "no deployed network in $NET (network/up.sh first)"
mkdir -p "$LOGS/cli"
# charter-netadmin builds the update: always from this source (incremental)
(cd "$ROOT" && go build -o "$BIN/charter-netadmin" ./cmd/charter-netadmin) || die "go build ./cmd/charter-netadmin failed"

ORD_ADDR="127.0.0.1:${ORD_PORT[orderer1]}"
TMPD="$(mktemp -d)"
trap 'rm -rf "$TMPD"' EXIT


# 1. the ledger, on every organisation's own peer
if [ "$MODE" = admit ]; then
  first=""
  for o in "${ORGS[@]}"; do
    if ! out="$(as_admin "$o" peer chaincode query -C "$CHANNEL" -n "$CC_NAME" -c "{\"function\":\"admission:Get\",\"Args\":[\"$MSP\"]}" 2>&1)"; then
      msg="$(sed -n 's/.*message:"\(.*\)".*/\1/p' <<<"$out" | head -n1)"
      refuse "the $o peer's ledger holds no admission of $MSP: ${msg:-$out}"
    fi
    if [ -z "$first" ]; then
      first="$out"
      printf '%s' "$out" >"$TMPD/admission.json"
    elif [ "$out" != "$first" ]; then
      refuse "the peers disagree on $MSP's admission (the $o peer answers differently from the ${ORGS[0]} peer)"
    fi
  done
  decision="$(grep -o '"decision":"[^"]*"' "$TMPD/admission.json" | head -n1 | cut -d'"' -f4)"
  echo "admit: ledger: every peer holds $MSP's admission by decision $decision"
else
  # the removal: every peer's admission record shows an executed
  # partner_removal decision (admission:Get → "removal":{"decision":…})
  first="" removal=""
  for o in "${ORGS[@]}"; do
    out="$(as_admin "$o" peer chaincode query -C "$CHANNEL" -n "$CC_NAME" -c "{\"function\":\"admission:Get\",\"Args\":[\"$MSP\"]}" 2>&1)" || out=""
    removal="$(grep -o '"removal":{"decision":"[^"]*"' <<<"$out" | cut -d'"' -f6)" || true
    [ -n "$removal" ] || refuse "the $o peer's ledger holds no removal of $MSP: no executed partner_removal decision removes $MSP"
    if [ -z "$first" ]; then first="$out"; elif [ "$out" != "$first" ]; then
      refuse "the peers disagree on $MSP's removal (the $o peer answers differently from the ${ORGS[0]} peer)"
    fi
  done
  echo "admit: ledger: every peer holds $MSP's removal by decision $removal"
fi

# 2. the update
latest_config "$TMPD/config.block" admit; before="$REPLY"
if [ "$MODE" = admit ]; then
  out="$("$BIN/charter-netadmin" admit-update --block "$TMPD/config.block" --msp "$MSP" --msp-dir "$DIR" \
    --anchor "$ANCHOR" --admission "$TMPD/admission.json" --out "$TMPD/update.env" 2>&1)" ||
    refuse "no config update: ${out#charter-netadmin: }"
else
  out="$("$BIN/charter-netadmin" remove-update --block "$TMPD/config.block" --msp "$MSP" --out "$TMPD/update.env" 2>&1)" ||
    refuse "no config update: ${out#charter-netadmin: }"
fi
echo "admit: channel: config update built from config block $before: $out"

# 3. signatures (a majority of the application organisations' admins), submit
# the channel's Admins policy: MAJORITY of the application organisations the
# configuration has (charter-netadmin reports how many)
napp="$(grep -o '"applicationOrgs":[0-9]*' <<<"$out" | cut -d: -f2)"
napp="${napp:-${#ORGS[@]}}"
if [ -n "${CHARTER_ADMIT_SIGNERS:-}" ]; then
  read -r -a SIGNERS <<<"$CHARTER_ADMIT_SIGNERS"
else
  majority_signers "$napp"
  [ $(( ${#SIGNERS[@]} * 2 )) -gt "$napp" ] ||
    die "a majority of the channel's $napp organisations must sign and only ${#SIGNERS[@]} admins are on this host: collect the others' signatures (peer channel signconfigtx) by hand"
fi
submit_config_update "$TMPD/update.env" admit "$before" "${SIGNERS[@]}"; after="$REPLY"
verb=admitted; [ "$MODE" = remove ] && verb=removed
if [ "$MODE" = remove ]; then
  echo "admit: channel: config block $after ($MSP removed by decision $removal) committed on every peer"
else
  echo "admit: channel: config block $after ($MSP $verb) committed on every peer"
fi
printf '{"mspId":"%s","%s":true,"configBlock":%s}\n' "$MSP" "$verb" "$after"

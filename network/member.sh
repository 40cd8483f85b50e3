#!/usr/bin/env bash
# Enrolls and revokes an organisation's members through its own CA, the CA
# side and the ledger side together.
#
#   network/member.sh enroll ORG ID [--name NAME]
#       1. ORG's registrar registers ID at ORG's CA (fabric-ca-client
#          register: type client, so the certificate carries the NodeOU
#          "client"; attribute charter.org=ORG in the certificate; one
#          enrollment) with a fresh one-time secret;
#       2. ID enrolls with that secret: a key pair made here and a
#          certificate signed by ORG's CA, in $NET/members/<org>/ID/
#          (cert.pem, key.pem, msp/);
#       3. ORG's admin registers the certificate on the ledger as a plain
#          member (member:Register through `charter member add`). If that
#          is refused, the CA identity is revoked again.
#       Prints the member's identity as JSON on the last line.
#
#   network/member.sh revoke ORG ID --reason TEXT
#       1. ORG's registrar revokes ID at ORG's CA (every certificate it
#          holds) and has the CA issue its CRL;
#       2. the CRL goes into ORG's MSP definition in the channel: a config
#          update built with fabric-config (charter-netadmin crl-update)
#          from the channel's latest config block, signed by the admins of
#          a MAJORITY of the application organisations, ORG's first (the
#          channel's Admins policy; Fabric's own rule for an
#          organisation's MSP value asks only for ORG's admin), submitted
#          to the orderers; waits until every peer has committed it: from
#          then on every peer refuses the certificate;
#       3. ORG's admin marks the member removed on the ledger
#          (member:Remove through `charter member remove`).
#
#   network/member.sh crl-update ORG CRLFILE
#       step 2 of revoke alone, for a CRL that ORG's CA issued: `charter
#       member revoke` does steps 1 and 3 itself and runs this for the
#       channel (the admins' MSPs and the peer CLI live with the network).
#       Prints {"org","mspId","configBlock"} on the last line.
#
# Exit status: 0 done; 3 refused (the rule is named; for enroll nothing is
# registered on the ledger, for revoke the channel configuration and the
# ledger are unchanged); 2 usage; 1 any other failure.
#
# Test hooks (they let the integration tests play an attacker):
# CHARTER_MEMBER_REGISTRAR_MSP=DIR registers with that registrar's MSP
# folder instead of ORG's (another organisation's registrar);
# CHARTER_MEMBER_SIGNERS="OrgA OrgB" has exactly those organisations' admins
# sign the revocation's config update (the last one submits).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for v in $(compgen -e); do
  case "$v" in CORE_*|ORDERER_*|FABRIC_*|CHAINCODE_*) unset "$v" ;; esac
done
export PATH="$BIN:$PATH"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "member: ERROR: $*" >&2; exit 1; }
refuse() { echo "member: REFUSED: $*" >&2; exit 3; }
bad_usage() { echo "member: $*" >&2; echo "usage: network/member.sh enroll ORG ID [--name NAME] | revoke ORG ID --reason TEXT | crl-update ORG CRLFILE" >&2; exit 2; }

[ $# -ge 1 ] || bad_usage "missing command"
case "$1" in -h|--help) usage; exit 0 ;; esac
[ $# -ge 3 ] || bad_usage "missing arguments"
CMD="$1" ORG="$2" ID="$3"
shift 3
NAME="" REASON=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) [ $# -ge 2 ] || bad_usage "--name needs a value"; NAME="$2"; shift 2 ;;
    --reason) [ $# -ge 2 ] || bad_usage "--reason needs a value"; REASON="$2"; shift 2 ;;
    *) bad_usage "unknown argument '$1'" ;;
  esac
done
case "$CMD" in enroll|revoke|crl-update) ;; *) bad_usage "unknown command '$CMD' (enroll, revoke or crl-update)" ;; esac
found=""
for o in "${ORGS[@]}"; do [ "$o" = "$ORG" ] && found=1; done
[ -n "$found" ] || bad_usage "unknown organisation '$ORG' (known: ${ORGS[*]})"
CRLFILE=""
if [ "$CMD" = crl-update ]; then
  CRLFILE="$ID" ID=""
  [ -s "$CRLFILE" ] || bad_usage "crl-update: CRLFILE '$CRLFILE' is not a file"
else
# An enrollment ID becomes a certificate's CN and a folder name.
[[ "$ID" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ ]] || bad_usage "ID '$ID': 1..64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)"
[ "$ID" != registrar ] || bad_usage "ID 'registrar' is the CA's own registrar"
fi
if [ "$CMD" = revoke ] && [ -z "$REASON" ]; then bad_usage "revoke needs --reason TEXT (recorded on the ledger)"; fi
NAME="${NAME:-$ID}"

[ -f "$DEPLOYED" ] || die "no deployed network in $NET (network/up.sh first)"
proc_running "ca-${ORG_KEY[$ORG]}" || die "the $ORG CA (ca-${ORG_KEY[$ORG]}) is not running (network/up.sh starts it)"
mkdir -p "$LOGS/cli"

K="${ORG_KEY[$ORG]}"
CAHOME="$CADIR/$K"
ca_root "$ORG"; CAROOT="$REPLY"
ca_url "$ORG"; CAURL="$REPLY"
REGISTRAR_MSP="$CAHOME/registrar/msp"
PROFILE_ADMIN="${ORG_PROFILE[$ORG]}-admin"

# the charter CLI (ledger side; make build, or built here when missing) and
# charter-netadmin (config updates: always from this source, incremental)
if [ ! -x "$BIN/charter" ]; then
  (cd "$ROOT" && go build -o "$BIN/charter" ./cmd/charter) || die "go build ./cmd/charter failed"
fi
(cd "$ROOT" && go build -o "$BIN/charter-netadmin" ./cmd/charter-netadmin) || die "go build ./cmd/charter-netadmin failed"
charter_cli() { "$BIN/charter" --profiles-file "$NET/profiles.json" --timeout 60s "$@"; }

# caclient ARGS...: fabric-ca-client against ORG's CA over TLS (the CA's TLS
# certificate is issued by ORG's root CA)
caclient() {
  fabric-ca-client "$@" --caname "ca-$K" --tls.certfiles "$CAROOT" --home "$CAHOME/client" 2>&1
}
# the CA's answer in one line (fabric-ca-client prints it after "Error:")
ca_error() { sed -n 's/^Error: //p' <<<"$1" | tail -n1; }

ensure_registrar() {
  [ -s "$REGISTRAR_MSP/signcerts/cert.pem" ] && return 0
  local secret out
  [ -s "$CAHOME/registrar.secret" ] || die "no registrar secret in $CAHOME"
  secret="$(<"$CAHOME/registrar.secret")"
  out="$(caclient enroll -u "https://registrar:$secret@127.0.0.1:${CA_PORT[$ORG]}" --mspdir "$REGISTRAR_MSP")" ||
    die "the $ORG registrar cannot enroll at $CAURL: $(ca_error "$out")"
}

ORD_ADDR="127.0.0.1:${ORD_PORT[orderer1]}"
TMPD=""

# ------------------------------------------------------------- enroll ---
enroll() {
  local dir="$MEMBERS/$K/$ID" secret out registrar_msp id
  [ ! -e "$dir" ] || refuse "$ID is already enrolled in $ORG ($dir): an enrollment ID is used once"
  ensure_registrar
  registrar_msp="${CHARTER_MEMBER_REGISTRAR_MSP:-$REGISTRAR_MSP}"
  secret="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  if ! out="$(caclient register -u "$CAURL" --mspdir "$registrar_msp" \
    --id.name "$ID" --id.secret "$secret" --id.type client --id.maxenrollments 1 \
    --id.attrs "charter.org=$ORG:ecert")"; then
    echo "$out" >"$LOGS/cli/member-register-$K-$ID.log"
    refuse "$ORG's CA does not register $ID: $(ca_error "$out") (only $ORG's registrar registers $ORG's members)"
  fi
  mkdir -p "$dir"
  if ! out="$(caclient enroll -u "https://$ID:$secret@127.0.0.1:${CA_PORT[$ORG]}" --mspdir "$dir/msp")"; then
    rm -rf "$dir"
    die "$ID cannot enroll at $CAURL: $(ca_error "$out")"
  fi
  cp "$dir/msp/signcerts/cert.pem" "$dir/cert.pem"
  local keys=("$dir"/msp/keystore/*_sk)
  [ ${#keys[@]} -eq 1 ] && [ -f "${keys[0]}" ] || die "expected one key in $dir/msp/keystore"
  (umask 077; cp "${keys[0]}" "$dir/key.pem")
  echo "member: CA: $ORG's CA registered and enrolled $ID ($dir/cert.pem)"
  if ! out="$(charter_cli --as "$PROFILE_ADMIN" -o json member add --cert "$dir/cert.pem" --msp "${ORG}MSP" --name "$NAME")"; then
    echo "$out" >&2
    caclient revoke -u "$CAURL" --mspdir "$REGISTRAR_MSP" -e "$ID" -r cessationofoperation >/dev/null || true
    refuse "the ledger refused to register $ID as a member of ${ORG}MSP (above); $ID's certificate was revoked at the CA again"
  fi
  # the member's own identity comes first (then registeredBy's)
  id="$(grep -o '"id": *"x509::[^"]*"' <<<"$out" | head -n1 | sed 's/^"id": *"//; s/"$//')"
  echo "member: ledger: ${ORG}MSP's admin registered $ID as a member"
  printf '{"org":"%s","mspId":"%s","enrollmentId":"%s","id":"%s","certPath":"%s","keyPath":"%s"}\n' \
    "$ORG" "${ORG}MSP" "$ID" "$id" "$dir/cert.pem" "$dir/key.pem"
}

# crl_to_channel CRL TMPDIR -> REPLY = the config block that put CRL into
# ORG's MSP definition, committed on every peer (refuses, exit 3, when no
# update can be built or the orderers refuse it)
crl_to_channel() {
  local crl="$1" tmp="$2" out before napp
  latest_config "$tmp/config.block" member; before="$REPLY"
  if ! out="$("$BIN/charter-netadmin" crl-update --block "$tmp/config.block" --msp "${ORG}MSP" --crl "$crl" --out "$tmp/update.env" 2>&1)"; then
    refuse "no config update: ${out#charter-netadmin: }"
  fi
  echo "member: channel: config update built from config block $before: $out"
  if [ -n "${CHARTER_MEMBER_SIGNERS:-}" ]; then
    read -r -a SIGNERS <<<"$CHARTER_MEMBER_SIGNERS"
  else
    # the channel's Admins policy is MAJORITY Admins of the application
    # organisations the channel has (charter-netadmin reports how many):
    # ORG's admin and then the others in order
    napp="$(grep -o '"applicationOrgs":[0-9]*' <<<"$out" | cut -d: -f2)"
    napp="${napp:-${#ORGS[@]}}"
    majority_signers "$napp" "$ORG"
  fi
  submit_config_update "$tmp/update.env" member "$before" "${SIGNERS[@]}"
  echo "member: channel: config block $REPLY (${ORG}MSP's new CRL) committed on every peer"
}

# ---------------------------------------------------------- crl-update ---

crl-update() {
  local tmp
  tmp="$(mktemp -d)"
  TMPD="$tmp"
  trap 'rm -rf "$TMPD"' EXIT
  crl_to_channel "$CRLFILE" "$tmp"
  printf '{"org":"%s","mspId":"%s","configBlock":%s}\n' "$ORG" "${ORG}MSP" "$REPLY"
}

# ------------------------------------------------------------- revoke ---

revoke() {
  local dir="$MEMBERS/$K/$ID" out after tmp
  [ -s "$dir/cert.pem" ] || refuse "$ID was not enrolled in $ORG by this network's CA (no $dir/cert.pem)"
  ensure_registrar
  tmp="$(mktemp -d)"
  TMPD="$tmp"
  trap 'rm -rf "$TMPD"' EXIT
  # 1. the CA
  if ! out="$(caclient revoke -u "$CAURL" --mspdir "$REGISTRAR_MSP" -e "$ID" -r cessationofoperation)"; then
    refuse "$ORG's CA does not revoke $ID: $(ca_error "$out")"
  fi
  out="$(caclient gencrl -u "$CAURL" --mspdir "$REGISTRAR_MSP")" || die "$ORG's CA does not issue its CRL: $(ca_error "$out")"
  cp "$REGISTRAR_MSP/crls/crl.pem" "$tmp/crl.pem"
  echo "member: CA: $ORG's CA revoked $ID and issued its CRL"
  # 2. the channel
  crl_to_channel "$tmp/crl.pem" "$tmp"; after="$REPLY"
  # 3. the ledger
  if ! out="$(charter_cli --as "$PROFILE_ADMIN" -o json member remove --cert "$dir/cert.pem" --msp "${ORG}MSP" --reason "$REASON" 2>&1)"; then
    echo "$out" >&2
    die "the certificate is revoked on every peer, but the ledger did not mark $ID removed (above): run 'charter --as $PROFILE_ADMIN member remove --cert $dir/cert.pem --reason ...'"
  fi
  echo "member: ledger: ${ORG}MSP's admin marked $ID removed"
  printf '{"org":"%s","mspId":"%s","enrollmentId":"%s","configBlock":%s,"certPath":"%s"}\n' "$ORG" "${ORG}MSP" "$ID" "$after" "$dir/cert.pem"
}

"$CMD"

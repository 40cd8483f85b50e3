#!/usr/bin/env bash
# Builds Charter's chaincode server (./cmd/charter-chaincode) reproducibly
# and prints the SHA-256 of the binary: the digest a chaincode_upgrade
# decision names, that maintainers of two organisations sign off on, and
# that every organisation's running service reports (system:Build).
#
#   network/build-chaincode.sh [-o OUT] [--release STAMP]
#
# Same source + same toolchain + same stamp = same bytes, in any folder, on
# any linux/amd64 machine: the toolchain is pinned (network/chaincode-toolchain;
# another local `go` fetches it through the module proxy), no cgo, -trimpath (no folder names in
# the binary), -buildvcs=false (no VCS stamp), an empty build ID, and the
# stamp given with --release (default CHARTER_CHAINCODE_RELEASE or "1.0").
# Prints one line: "<sha256>  <OUT>". OUT defaults to .charter/bin/charter-chaincode.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/.charter/bin/charter-chaincode"
RELEASE="${CHARTER_CHAINCODE_RELEASE:-1.0}"
while [ $# -gt 0 ]; do
  case "$1" in
    -o) OUT="$2"; shift 2 ;;
    --release) RELEASE="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "build-chaincode: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
case "$RELEASE" in ''|*[!A-Za-z0-9._+-]*) echo "build-chaincode: release stamp '$RELEASE' may hold only letters, digits and . _ + -" >&2; exit 2 ;; esac
read -r want <"$ROOT/network/chaincode-toolchain"
have="$(GOTOOLCHAIN=local go env GOVERSION)"
# Another local go builds with the pinned toolchain, which the go command
# fetches from the module proxy (golang.org/toolchain): a different
# toolchain would give a different digest.
toolchain=local
if [ "$have" != "$want" ]; then
  echo "build-chaincode: this go is $have; building with $want (network/chaincode-toolchain), fetched through the module proxy" >&2
  toolchain="$want"
fi
mkdir -p "$(dirname "$OUT")"
tmp="$OUT.tmp.$$"
(
  cd "$ROOT"
  env GOTOOLCHAIN="$toolchain" CGO_ENABLED=0 GOOS=linux GOARCH=amd64 GOAMD64=v1 GOFLAGS=-mod=readonly GOEXPERIMENT= \
    go build -trimpath -buildvcs=false \
    -ldflags "-s -w -buildid= -X main.release=$RELEASE" \
    -o "$tmp" ./cmd/charter-chaincode
)
mv -f "$tmp" "$OUT"
read -r sum _ < <(sha256sum "$OUT")
echo "$sum  $OUT"

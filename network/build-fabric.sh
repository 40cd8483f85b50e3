#!/usr/bin/env bash
# Builds the pinned Hyperledger Fabric binaries (peer, orderer, configtxgen,
# cryptogen, osnadmin) into .charter/bin/ from the tools module in
# network/fabric/ (and the Fabric CA's, fabric-ca-server and
# fabric-ca-client, from network/fabric-ca/), with the fixes in network/fabric/patches/*.patch applied
# to a copy of the Fabric module (the module cache stays untouched). Does nothing
# when all five exist and were built from the version pinned in
# network/fabric/go.mod and the same patches (recorded in a stamp file).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/.charter/bin"
MODDIR="$ROOT/network/fabric"
STAMP="$BIN/.fabric-version"
TOOLS=(peer orderer configtxgen cryptogen osnadmin)
FABRIC_RELEASE="2.5.0" # what `peer version` prints

version="$(awk '$1 == "github.com/hyperledger/fabric" { print $2 } $1 == "require" && $2 == "github.com/hyperledger/fabric" { print $3 }' "$MODDIR/go.mod" | head -n1)"
if [ -z "$version" ]; then
  echo "build-fabric: cannot read the github.com/hyperledger/fabric version from $MODDIR/go.mod" >&2
  exit 1
fi
PATCHES=("$MODDIR"/patches/*.patch)
[ -e "${PATCHES[0]}" ] || PATCHES=()
patch_sum="none"
if [ ${#PATCHES[@]} -gt 0 ]; then
  read -r patch_sum _ < <(cat "${PATCHES[@]}" | sha256sum)
  patch_sum="${patch_sum:0:16}"
fi
want="$version release=$FABRIC_RELEASE patches=$patch_sum"

missing=()
for t in "${TOOLS[@]}"; do
  [ -x "$BIN/$t" ] || missing+=("$t")
done
have=""
[ -f "$STAMP" ] && have="$(cat "$STAMP")"

# The Fabric CA (fabric-ca-server, fabric-ca-client): one CA per
# organisation (network/up.sh), members enrolled and revoked through it
# (network/member.sh). Its own tools module network/fabric-ca/ and its own
# stamp; built first, so that a Fabric build that is up to date still gets it.
build_fabric_ca() {
  local camod="$ROOT/network/fabric-ca" castamp="$BIN/.fabric-ca-version" caversion cawant cahave="" t camissing=0 start
  caversion="$(awk '$1 == "github.com/hyperledger/fabric-ca" { print $2 } $1 == "require" && $2 == "github.com/hyperledger/fabric-ca" { print $3 }' "$camod/go.mod" | head -n1)"
  [ -n "$caversion" ] || { echo "build-fabric: cannot read the github.com/hyperledger/fabric-ca version from $camod/go.mod" >&2; exit 1; }
  cawant="$caversion"
  for t in fabric-ca-server fabric-ca-client; do [ -x "$BIN/$t" ] || camissing=1; done
  [ -f "$castamp" ] && cahave="$(cat "$castamp")"
  if [ $camissing -eq 0 ] && [ "$cahave" = "$cawant" ]; then
    echo "build-fabric: Fabric CA binaries up to date ($caversion) in $BIN"
    return 0
  fi
  command -v go >/dev/null 2>&1 || { echo "build-fabric: the go command is not on PATH (Go 1.26 expected, e.g. /usr/local/go/bin)" >&2; exit 1; }
  echo "build-fabric: go build fabric-ca-server fabric-ca-client ($caversion; cgo for its SQLite store; a minute or two)..."
  mkdir -p "$BIN"
  rm -f "$castamp"
  start=$(date +%s)
  (
    cd "$camod"
    CGO_ENABLED=1 GOFLAGS=-mod=mod go build \
      -ldflags "-s -w -X github.com/hyperledger/fabric-ca/lib/metadata.Version=${caversion#v}" \
      -o "$BIN/" github.com/hyperledger/fabric-ca/cmd/fabric-ca-server github.com/hyperledger/fabric-ca/cmd/fabric-ca-client
  )
  for t in fabric-ca-server fabric-ca-client; do
    [ -x "$BIN/$t" ] || { echo "build-fabric: $BIN/$t was not produced" >&2; exit 1; }
  done
  echo "$cawant" >"$castamp"
  echo "build-fabric: built fabric-ca-server fabric-ca-client in $(( $(date +%s) - start ))s into $BIN"
}
build_fabric_ca

if [ ${#missing[@]} -eq 0 ] && [ "$have" = "$want" ]; then
  echo "build-fabric: Fabric binaries up to date ($version) in $BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-fabric: the go command is not on PATH (Go 1.26 expected, e.g. /usr/local/go/bin)" >&2
  exit 1
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "build-fabric: missing ${missing[*]}; building Fabric $version"
else
  echo "build-fabric: pinned version changed (${have:-no stamp} -> $want); rebuilding"
fi
mkdir -p "$BIN"
rm -f "$STAMP"
pkgs=()
for t in "${TOOLS[@]}"; do pkgs+=("github.com/hyperledger/fabric/cmd/$t"); done
start=$(date +%s)
builddir="$MODDIR"
if [ ${#PATCHES[@]} -gt 0 ]; then
  # The go command refuses to overlay files of the module cache, so the
  # patched build uses a copy: the Fabric module hard-linked into a scratch
  # folder (the touched files copied, then patched) and a copy of the tools
  # module whose go.mod replaces Fabric with that folder. Same dependencies
  # (go.sum), same pinned version; only the patched files differ.
  fabdir="$(cd "$MODDIR" && GOFLAGS=-mod=mod go mod download -json github.com/hyperledger/fabric | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -n "$fabdir" ] && [ -d "$fabdir" ] || { echo "build-fabric: cannot locate the Fabric module source" >&2; exit 1; }
  command -v patch >/dev/null 2>&1 || { echo "build-fabric: the patch command is missing (apt-get install patch)" >&2; exit 1; }
  work="$ROOT/.charter/fabric-patched"
  # (only directories made writable: the files are hard links into the module cache)
  [ -d "$work" ] && find "$work" -type d -exec chmod u+w {} +
  rm -rf "$work"
  mkdir -p "$work/tools"
  cp -al "$fabdir" "$work/fabric" 2>/dev/null || cp -a "$fabdir" "$work/fabric"
  for p in "${PATCHES[@]}"; do
    for f in $(sed -n 's#^+++ b/\([^[:space:]]*\).*#\1#p' "$p"); do
      chmod u+w "$(dirname "$work/fabric/$f")"
      rm -f "$work/fabric/$f"
      cp "$fabdir/$f" "$work/fabric/$f"
      chmod u+w "$work/fabric/$f"
    done
    patch -s -p1 -d "$work/fabric" --no-backup-if-mismatch --forward <"$p" ||
      { echo "build-fabric: $p does not apply to Fabric $version" >&2; exit 1; }
    echo "build-fabric: applied $(basename "$p")"
  done
  cp "$MODDIR/go.mod" "$MODDIR/go.sum" "$MODDIR/tools.go" "$work/tools/"
  printf '\nreplace github.com/hyperledger/fabric => ../fabric\n' >>"$work/tools/go.mod"
  builddir="$work/tools"
fi
echo "build-fabric: go build ${TOOLS[*]} (about a minute with a warm module cache, two or more with patches or from scratch)..."
(
  cd "$builddir"
  GOFLAGS=-mod=mod go build \
    -ldflags "-s -w -X github.com/hyperledger/fabric/common/metadata.Version=$FABRIC_RELEASE" \
    -o "$BIN/" "${pkgs[@]}"
)
for t in "${TOOLS[@]}"; do
  if [ ! -x "$BIN/$t" ]; then
    echo "build-fabric: $BIN/$t was not produced" >&2
    exit 1
  fi
done
echo "$want" >"$STAMP"
echo "build-fabric: built ${TOOLS[*]} in $(( $(date +%s) - start ))s into $BIN"

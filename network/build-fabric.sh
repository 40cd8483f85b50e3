#!/usr/bin/env bash
# Builds the pinned Hyperledger Fabric binaries (peer, orderer, configtxgen,
# cryptogen, osnadmin) into .charter/bin/ from the tools module in
# network/fabric/. Does nothing when all five exist and were built from the
# version pinned in network/fabric/go.mod (recorded in a stamp file).
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
want="$version release=$FABRIC_RELEASE"

missing=()
for t in "${TOOLS[@]}"; do
  [ -x "$BIN/$t" ] || missing+=("$t")
done
have=""
[ -f "$STAMP" ] && have="$(cat "$STAMP")"

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
echo "build-fabric: go build ${TOOLS[*]} (about a minute with a warm module cache, longer from scratch)..."
(
  cd "$MODDIR"
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

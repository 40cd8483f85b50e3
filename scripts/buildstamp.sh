#!/usr/bin/env bash
# Prints the -ldflags that stamp a build of the charter CLI and the
# chaincode with the source's version and digest (charter version and
# system:Version report them). Run from anywhere inside the repository:
#   go build -ldflags "$(scripts/buildstamp.sh)" ./cmd/charter-chaincode
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
version="$(git describe --always --dirty --tags 2>/dev/null || echo unknown)"
# The chaincode's rules: every tracked source file of the chaincode and its
# module files, as they are in the working tree (uncommitted edits count).
digest="$(git ls-files -z -- chaincode cmd/charter-chaincode go.mod go.sum |
  sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
pkg=github.com/charter-gov/charter
printf -- '-X %s/chaincode/contract.buildVersion=%s -X %s/chaincode/contract.buildDigest=%s -X main.version=%s' \
  "$pkg" "$version" "$pkg" "$digest" "$version"

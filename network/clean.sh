#!/usr/bin/env bash
# Stops the network (network/down.sh) and removes all of its state:
# crypto material, ledgers, logs, profiles (.charter/network/). The Fabric
# binaries in .charter/bin/ are kept.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
"$ROOT/network/down.sh"
rm -rf "$NET"
echo "clean: removed $NET"

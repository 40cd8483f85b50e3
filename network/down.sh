#!/usr/bin/env bash
# Stops exactly the processes network/up.sh started (from their PID files):
# SIGTERM, then SIGKILL after a short wait (CHARTER_DOWN_GRACE_MS, default
# 3000). Idempotent. Keeps ledgers, crypto material and logs under
# .charter/network/ so the next network/up.sh restarts on that state;
# network/clean.sh removes it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GRACE_MS="${CHARTER_DOWN_GRACE_MS:-3000}"
ms() { local t="${EPOCHREALTIME/./}"; NOW=$((t / 1000)); }
ms; start=$NOW

# network partitions a fault test left (network/partition.sh): rules first,
# so that every process can shut down cleanly
bash "$(dirname "${BASH_SOURCE[0]}")/partition.sh" clean || true
# partners on their own hosts (network/partner.sh): their processes, then
# their network namespaces, veth links and /etc/netns folders
bash "$(dirname "${BASH_SOURCE[0]}")/partner.sh" clean || true

if [ ! -d "$PIDS" ]; then
  echo "down: nothing to stop (no $PIDS)"
  exit 0
fi

# the HTTP API (charter serve, started by the demo) first, then the
# chaincode servers (the calibration ones and those an interrupted
# network/upgrade.sh left, when there are any),
# then peers, then orderers, then the organisations' CAs
order=(api cc-foundation-next cc-laba-next cc-labb-next bench-foundation bench-laba bench-labb bareput-foundation bareput-laba bareput-labb cc-foundation cc-laba cc-labb peer-foundation peer-laba peer-labb orderer1 orderer2 orderer3 ca-foundation ca-laba ca-labb)
declare -A PID
targets=()
for n in "${order[@]}"; do
  if proc_running "$n"; then
    proc_pid "$n"; PID[$n]="$REPLY"
    targets+=("$n")
    kill -TERM "${PID[$n]}" 2>/dev/null || true
  fi
done

if [ ${#targets[@]} -eq 0 ]; then
  rm -f "$PIDS"/*.pid "$PIDS"/*.exe
  echo "down: nothing running"
  exit 0
fi

alive_targets() { # -> LEFT = targets still alive (zombies count as stopped)
  LEFT=()
  local n
  for n in "${targets[@]}"; do
    if pid_alive "${PID[$n]}"; then LEFT+=("$n"); fi
  done
}

deadline=$((start + GRACE_MS))
while :; do
  alive_targets
  [ ${#LEFT[@]} -eq 0 ] && break
  ms
  if [ "$NOW" -ge "$deadline" ]; then
    for n in "${LEFT[@]}"; do
      echo "down: $n (pid ${PID[$n]}) still running ${GRACE_MS}ms after SIGTERM, sending SIGKILL"
      kill -KILL "${PID[$n]}" 2>/dev/null || true
    done
    for _ in $(seq 1 100); do
      alive_targets
      [ ${#LEFT[@]} -eq 0 ] && break
      sleep 0.05
    done
    break
  fi
  sleep 0.05
done

alive_targets
if [ ${#LEFT[@]} -gt 0 ]; then
  for n in "${LEFT[@]}"; do echo "down: $n (pid ${PID[$n]}) is still running" >&2; done
  exit 1
fi
rm -f "$PIDS"/*.pid "$PIDS"/*.exe
ms
echo "down: stopped ${targets[*]} in $((NOW - start)) ms (state kept in $NET; network/clean.sh removes it)"

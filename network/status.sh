#!/usr/bin/env bash
# Prints every network process: PID, state, health, ports.
# Exit status 0 when all are running, 1 otherwise.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

health() { # -> REPLY
  local n="$1" o="${PROC_ORG[$1]:-}" port
  case "$n" in
    orderer*) port="${ORD_OPS[$n]}" ;;
    peer-*) port="${PEER_OPS[$o]}" ;;
    cc-*) if tcp_open "${CCS_PORT[$o]}"; then REPLY="listening"; else REPLY="not listening"; fi; return ;;
    bench-*) if tcp_open "${BCC_PORT[$o]}"; then REPLY="listening"; else REPLY="not listening"; fi; return ;;
    ca-*) port="${CA_OPS[$o]}" ;;
    bareput-*) if tcp_open "${BPC_PORT[$o]}"; then REPLY="listening"; else REPLY="not listening"; fi; return ;;
  esac
  if curl -fsS -m 1 "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then REPLY="healthz OK"; else REPLY="healthz failing"; fi
}

all=0
printf '%-16s %-8s %-6s %-15s %s\n' PROCESS PID STATE HEALTH PORTS
for n in "${PROCS[@]}"; do
  proc_pid "$n"; pid="$REPLY"
  if proc_running "$n"; then
    st=alive; health "$n"; h="$REPLY"
  else
    st=down; h="-"; all=1
    [ -n "$pid" ] && pid="($pid)"
  fi
  printf '%-16s %-8s %-6s %-15s %s\n' "$n" "${pid:--}" "$st" "$h" "$(proc_ports "$n")"
done
if [ -f "$DEPLOYED" ]; then
  echo "deployment: chaincode '$CC_NAME' committed on channel '$CHANNEL' (state $NET, logs $LOGS)"
  [ -f "$BENCH_DEPLOYED" ] && echo "deployment: calibration chaincode '$BENCH_CC_NAME' committed (benchmarks and tests only)"
  [ -f "$BAREPUT_DEPLOYED" ] && echo "deployment: bare put chaincode '$BAREPUT_CC_NAME' committed (benchmarks and tests only)"
else
  echo "deployment: none recorded in $NET"
fi
exit $all

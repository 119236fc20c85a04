#!/usr/bin/env bash
# Removes what kube-router's network policy controller leaves in the filter
# table (its KUBE-ROUTER-*, KUBE-NWPLCY-* and KUBE-POD-FW-* chains and the
# jumps to them) and its ipsets (KUBE-SRC-*, KUBE-DST-*, kube-router-*).
# `kube-router --cleanup-config` would, but v2.1.0 panics in its service-proxy
# cleanup (a nil pointer in deleteHairpinIptablesRules) before it gets there.
# Used by the hardening suite and by cluster-down; silent when there is nothing.
set -euo pipefail
mine='^(KUBE-ROUTER-|KUBE-NWPLCY-|KUBE-POD-FW-)'
rules=$(iptables-save -t filter)
# Jumps from other chains (INPUT, FORWARD, OUTPUT) first, as -D of each -A.
while read -r line; do
  [[ -n $line ]] || continue
  read -r -a spec <<<"${line#-A }"
  chain=${spec[0]}
  [[ $chain =~ $mine ]] && continue
  # The saved rule quotes comments; eval re-splits it as iptables-save wrote it.
  eval "iptables -w -t filter -D $chain ${line#-A "$chain" }" || true
done < <(grep -E -- "-j (KUBE-ROUTER-|KUBE-NWPLCY-|KUBE-POD-FW-)" <<<"$rules" | grep -E '^-A ' || true)
chains=$(sed -n 's/^:\([^ ]*\) .*/\1/p' <<<"$rules" | grep -E "$mine" || true)
for c in $chains; do iptables -w -t filter -F "$c"; done
for c in $chains; do iptables -w -t filter -X "$c"; done
for s in $(ipset list -n 2>/dev/null | grep -E '^(KUBE-SRC-|KUBE-DST-|kube-router-)' || true); do ipset destroy "$s"; done

#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript), after Spark's own
# examples/src/main/scripts/getGpusResources.sh. Prints the executor's GPUs as Spark's
# ResourceInformation JSON, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
#
# The addresses are CUDA device ordinals, which is what org.otfuse.core.backend.Backends.forTask
# opens: with CUDA_VISIBLE_DEVICES set (a container that isolates GPUs, or a cluster manager that
# sets it), CUDA numbers the visible devices 0..k-1, so those are reported; otherwise nvidia-smi's
# indices, which are CUDA's ordinals when CUDA_DEVICE_ORDER=PCI_BUS_ID (set it on the executors:
# spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID; CUDA's default order may differ on machines
# with mixed GPU models).
set -euo pipefail
addrs=()
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" && "${CUDA_VISIBLE_DEVICES}" != "NoDevFiles" ]]; then
  IFS=',' read -ra visible <<< "$CUDA_VISIBLE_DEVICES"
  for i in "${!visible[@]}"; do
    [[ -n "${visible[$i]}" ]] && addrs+=("$i")
  done
elif command -v nvidia-smi >/dev/null 2>&1; then
  while read -r idx; do
    [[ -n "$idx" ]] && addrs+=("$idx")
  done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null || true)
fi
json=""
for a in "${addrs[@]+"${addrs[@]}"}"; do
  json="${json:+$json, }\"$a\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$json]}"

#!/usr/bin/env bash
# The one command of a GPU device run (docs/gpu.md, "Verifying on a GPU machine").
#
#   bash submit/gpu/device-check.sh          from the repository root, on the GPU machine,
#                                            with submit/gpu/carry carried (prepare-carry.sh)
#
# Stages (each bounded so that the whole stays under DEADLINE_S, default 570 s):
#   machine facts (nvidia-smi, nvcc, torch) -> unpack the jlinked Java runtime -> find cuBLAS ->
#   build libotfuse_cuda.so here with nvcc (sm_90; the carried build is the fallback) ->
#   JUnit contract tests with the CUDA backend required -> GpuCheck (checks against the float64
#   Java reference, GPU benchmarks, CPU benchmarks) -> PyTorch anchor on the same problems ->
#   summary.
# Writes into $OUT (7 files): device-check.log, nvidia-smi.csv, build.log, junit-gpu.xml,
# gpu-check.json, torch-results.json, gpu-bench.md; prints gpu-bench.md last.
# Exit status: 0 when every stage passed, 1 when a test, check or stage failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
carry="$root/submit/gpu/carry"
OUT="${OUT:-/tmp/otfuse-gpu-out}"
work="${OTFUSE_WORK:-/tmp/otfuse-work}"
deadline="${DEADLINE_S:-570}"
mkdir -p "$OUT"
rm -rf "$work"
mkdir -p "$work"
t0=$(date +%s)

stage() { echo; echo "=== [$(( $(date +%s) - t0 ))s] $*"; }
# seconds a stage may take: at most $1, leaving $2 for the stages after it
allow() {
  local left=$(( deadline - ($(date +%s) - t0) - $2 ))
  (( left > $1 )) && left=$1
  (( left < 10 )) && left=10
  echo "$left"
}

main() {
  local status=0

  stage "machine"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit \
    --format=csv > "$OUT/nvidia-smi.csv" 2>&1 || echo "nvidia-smi failed" >> "$OUT/nvidia-smi.csv"
  cat "$OUT/nvidia-smi.csv"
  echo "cpus $(nproc); $(free -g | awk '/Mem:/{print $2 " GiB memory"}'); kernel $(uname -r)"
  if command -v nvcc >/dev/null 2>&1; then nvcc --version | tail -1; else echo "no nvcc on PATH"; fi
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())" 2>&1 | tail -1
  if [[ ! -f "$carry/jre.tar.xz" ]]; then
    echo "FATAL: $carry/jre.tar.xz missing: run submit/gpu/prepare-carry.sh and carry submit/gpu/carry"
    return 3
  fi
  head -1 "$carry/MANIFEST.txt" 2>/dev/null

  stage "Java runtime (jlinked Temurin 25 from the carry)"
  tar -xJf "$carry/jre.tar.xz" -C "$work" 2>/dev/null \
    || python3 -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" \
         "$carry/jre.tar.xz" "$work"
  local java="$work/jre/bin/java"
  "$java" -version 2>&1 | head -1 || { echo "FATAL: the carried runtime does not start"; return 3; }

  stage "cuBLAS"
  local cublas=""
  for f in /usr/local/cuda/lib64/libcublas.so.13 /usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13; do
    [[ -e "$f" ]] && { cublas="$f"; break; }
  done
  if [[ -z "$cublas" ]]; then
    cublas="$(ldconfig -p 2>/dev/null | awk '/libcublas\.so\.13 /{print $NF; exit}')"
  fi
  if [[ -z "$cublas" ]]; then
    local pydirs
    pydirs="$(python3 - <<'PY' 2>/dev/null
import os, site
paths = set(site.getsitepackages())
try:
    import torch
    paths.add(os.path.dirname(os.path.dirname(torch.__file__)))
except Exception:
    pass
print("\n".join(p for p in paths if os.path.isdir(p)))
PY
)"
    if [[ -n "$pydirs" ]]; then
      # shellcheck disable=SC2086
      cublas="$(find $pydirs -name 'libcublas.so.13*' 2>/dev/null | head -1)"
      # shellcheck disable=SC2086
      [[ -z "$cublas" ]] && cublas="$(find $pydirs -name 'libcublas.so.12*' 2>/dev/null | head -1)"
    fi
  fi
  if [[ -z "$cublas" ]]; then
    cublas="$(timeout 30 find / -xdev -name 'libcublas.so.1[23]*' 2>/dev/null | head -1)"
  fi
  if [[ -n "$cublas" ]]; then
    export OTFUSE_CUBLAS_LIB="$cublas"
    export LD_LIBRARY_PATH="$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "cuBLAS: $cublas"
  else
    echo "cuBLAS not found: the CUDA backend will report it and the GPU tests will fail"
    status=1
  fi

  stage "build libotfuse_cuda.so here with nvcc (sm_90)"
  local lib="$carry/libotfuse_cuda.so"
  if CUDA_ARCHS=90 JNI_INCLUDE="$carry/jni-include" timeout "$(allow 150 400)" \
      bash native/cuda/build.sh "$work/build" > "$OUT/build.log" 2>&1; then
    lib="$work/build/libotfuse_cuda.so"
    echo "built here: $lib"
  else
    echo "the build here failed (build.log); using the carried library built on the dev machine"
    status=1
  fi
  tail -3 "$OUT/build.log"
  [[ -f "$lib" ]] || { echo "FATAL: no libotfuse_cuda.so"; return 3; }
  local jvm=("$java" --enable-native-access=ALL-UNNAMED "-Dotfuse.cuda.lib=$lib")
  local mcp="$carry/lib/otfuse-backend.jar"
  for j in "$carry"/lib/slf4j-api-*.jar "$carry"/lib/slf4j-simple-*.jar; do mcp="$mcp:$j"; done
  local tcp="$carry/lib/otfuse-backend-tests.jar:$mcp:$root/core/src/test/resources"
  for j in "$carry"/lib/jackson-*.jar; do tcp="$tcp:$j"; done

  stage "JUnit contract tests with the CUDA backend required"
  timeout "$(allow 200 330)" "${jvm[@]}" -Xmx16g -Dotfuse.cuda.require=true \
    -jar "$carry/lib/junit-platform-console-standalone.jar" execute --class-path "$tcp" \
    --select-class org.otfuse.core.backend.CudaBackendContractTest \
    --select-class org.otfuse.core.backend.JavaBackendContractTest \
    --select-class org.otfuse.core.backend.BackendsTest \
    --reports-dir "$work/junit" --details=summary --disable-banner || status=1
  cp "$work/junit/TEST-junit-jupiter.xml" "$OUT/junit-gpu.xml" 2>/dev/null \
    || echo "no JUnit report"

  stage "GpuCheck: checks against the Java float64 reference, GPU and CPU benchmarks"
  timeout "$(allow 300 110)" "${jvm[@]}" -Xmx32g -cp "$mcp" org.otfuse.core.backend.GpuCheck \
    --out "$OUT" --data "$work/data" --require-gpu --cpu-budget-s "${CPU_BUDGET_S:-20}" \
    || status=1

  stage "PyTorch anchor on the same GPU and problems"
  if [[ -f "$work/data/bench-config.json" ]]; then
    PYTHONUNBUFFERED=1 timeout "$(allow 200 10)" python3 submit/gpu/torch_anchor.py \
      --config "$work/data/bench-config.json" --out "$OUT/torch-results.json" || status=1
  else
    echo "no bench-config.json from GpuCheck: skipped"
    status=1
  fi

  stage "summary (status $status)"
  python3 submit/gpu/summarize.py --gpu "$OUT/gpu-check.json" --torch "$OUT/torch-results.json" \
    --smi "$OUT/nvidia-smi.csv" --junit "$OUT/junit-gpu.xml" --manifest "$carry/MANIFEST.txt" \
    --out "$OUT/gpu-bench.md" > /dev/null || status=1
  echo "files in $OUT: $(ls "$OUT" | tr '\n' ' ')"
  echo
  cat "$OUT/gpu-bench.md" 2>/dev/null
  return "$status"
}

main 2>&1 | tee "$OUT/device-check.log"
exit "${PIPESTATUS[0]}"

#!/usr/bin/env bash
# Builds libotfuse_cuda.so (the CUDA backend of org.otfuse.core.backend.CudaBackend) with nvcc.
#
#   native/cuda/build.sh [OUT_DIR]          default OUT_DIR: native/cuda/build
#
# Environment:
#   NVCC          the compiler (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc)
#   CUDA_ARCHS    space-separated SM versions to build machine code for (default "90 80");
#                 PTX for the highest is embedded too, so newer GPUs can JIT it
#   JNI_INCLUDE   a folder with jni.h and linux/jni_md.h (default: $JAVA_HOME/include, the JDK of
#                 javac on PATH, or submit/gpu/carry/jni-include made by prepare-carry.sh)
#   VERBOSE=1     print the compiler's register/shared-memory/spill report (-Xptxas -v)
#
# cuBLAS is not linked: the library opens it at run time (dlopen of OTFUSE_CUBLAS_LIB, else
# libcublas.so.13/.12 on the loader path), so no cuBLAS headers or libraries are needed to build.
# The CUDA runtime is linked statically; the result needs only the NVIDIA driver to run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/build}"
mkdir -p "$out"

nvcc="${NVCC:-}"
if [[ -z "$nvcc" ]]; then
  if command -v nvcc >/dev/null 2>&1; then nvcc=nvcc
  elif [[ -x /usr/local/cuda/bin/nvcc ]]; then nvcc=/usr/local/cuda/bin/nvcc
  else echo "build.sh: nvcc not found (set NVCC or put it on PATH)" >&2; exit 2; fi
fi

jni="${JNI_INCLUDE:-}"
if [[ -z "$jni" ]]; then
  for cand in "${JAVA_HOME:-}/include" \
      "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")/include" \
      "$root/submit/gpu/carry/jni-include"; do
    if [[ -f "$cand/jni.h" && -f "$cand/linux/jni_md.h" ]]; then jni="$cand"; break; fi
  done
fi
if [[ -z "$jni" || ! -f "$jni/jni.h" ]]; then
  echo "build.sh: jni.h not found; set JNI_INCLUDE or JAVA_HOME (a JDK), or run submit/gpu/prepare-carry.sh" >&2
  exit 2
fi

archs="${CUDA_ARCHS:-90 80}"
gencode=()
top=0
for a in $archs; do
  gencode+=("-gencode=arch=compute_${a},code=sm_${a}")
  (( a > top )) && top=$a
done
gencode+=("-gencode=arch=compute_${top},code=compute_${top}")
extra=()
[[ "${VERBOSE:-0}" == 1 ]] && extra+=("-Xptxas=-v")

echo "build.sh: $($nvcc --version | tail -1 | sed 's/^ *//') archs [$archs] jni $jni" >&2
start=$(date +%s)
"$nvcc" -O3 -std=c++17 -shared -Xcompiler -fPIC -Xcompiler -fvisibility=hidden \
  -Xcompiler -Wall "${gencode[@]}" "${extra[@]}" \
  -I"$jni" -I"$jni/linux" -I"$here" \
  -o "$out/libotfuse_cuda.so.tmp" "$here/otfuse_cuda.cu" -ldl
mv "$out/libotfuse_cuda.so.tmp" "$out/libotfuse_cuda.so"
echo "build.sh: wrote $out/libotfuse_cuda.so ($(stat -c %s "$out/libotfuse_cuda.so") bytes) in $(( $(date +%s) - start )) s" >&2

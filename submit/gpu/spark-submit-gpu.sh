#!/usr/bin/env bash
# Example: an otfuse Spark job on GPU executors (standalone, YARN or Kubernetes: set MASTER and
# the cluster's own options). One task per GPU; each task opens the GPU Spark assigned to it
# (TaskContext.resourcesJMap().get("gpu").addresses(), see Backends.forTask) and falls back to the
# CPU, with a logged reason, where the library, cuBLAS or a GPU is missing. For the sweep jobs
# (JOB_CLASS=org.otfuse.jobs.Main) `run.backend` decides (auto: the task's GPU when Spark assigned one;
# cpu; cuda), and every result row records what ran the point's OT math in its `backend` column
# (cpu-nd4j or cuda:N (...)).
#
#   SPARK_HOME=... MASTER=spark://host:7077 JOBS_JAR=jobs/target/otfuse-jobs-....jar \
#   JOB_CLASS=<the sweep's main class> submit/gpu/spark-submit-gpu.sh <job arguments>
#
# Needs on every GPU executor: the NVIDIA driver and cuBLAS 12 or 13 (a CUDA toolkit's lib64 or
# pip's nvidia-cublas wheel; say where with CUBLAS_DIR). The library itself,
# native/cuda/build/libotfuse_cuda.so (native/cuda/build.sh), is shipped with --files.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${SPARK_HOME:?set SPARK_HOME}"
: "${JOBS_JAR:?set JOBS_JAR to the otfuse jobs jar}"
: "${JOB_CLASS:?set JOB_CLASS to the job main class}"
MASTER="${MASTER:-local-cluster[1,1,4096]}"
LIB="${OTFUSE_CUDA_LIB_LOCAL:-$ROOT/native/cuda/build/libotfuse_cuda.so}"
CUBLAS_DIR="${CUBLAS_DIR:-/usr/local/cuda/lib64}"
GPUS_PER_EXECUTOR="${GPUS_PER_EXECUTOR:-1}"
# the discovery script runs when an executor starts, before --files arrive: a path that exists on
# every worker (YARN and Kubernetes localise --files first, so ./getGpusResources.sh works there)
DISCOVERY="${DISCOVERY_SCRIPT:-$ROOT/submit/gpu/getGpusResources.sh}"
[[ -f "$LIB" ]] || { echo "no $LIB: run native/cuda/build.sh first" >&2; exit 2; }

exec "$SPARK_HOME/bin/spark-submit" \
  --master "$MASTER" \
  --class "$JOB_CLASS" \
  --conf spark.executor.resource.gpu.amount="$GPUS_PER_EXECUTOR" \
  --conf spark.task.resource.gpu.amount=1 \
  --conf spark.executor.resource.gpu.discoveryScript="$DISCOVERY" \
  --conf spark.worker.resource.gpu.discoveryScript="$DISCOVERY" \
  --conf spark.worker.resource.gpu.amount="$GPUS_PER_EXECUTOR" \
  --files "$ROOT/submit/gpu/getGpusResources.sh,$LIB" \
  --conf spark.executorEnv.OTFUSE_CUDA_LIB=libotfuse_cuda.so \
  --conf spark.executorEnv.CUDA_DEVICE_ORDER=PCI_BUS_ID \
  --conf spark.executorEnv.LD_LIBRARY_PATH="$CUBLAS_DIR" \
  "$JOBS_JAR" "$@"

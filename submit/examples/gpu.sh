#!/usr/bin/env bash
# GPU executors: the application jar built with the CUDA backend (mvn -Pdist,cuda swaps nd4j-native
# for nd4j-cuda-11.6; about 600 MB more), one GPU per executor and per task, found by the discovery
# script. The dense math of every task (costs, plans, forward passes) then runs on the task's GPU;
# nothing else changes. Needs CUDA 11.6 and a matching driver on the executors. Each sweep task also
# asks for the core's own CUDA transport backend on its GPU (run.backend = auto, the default; see
# submit/gpu/spark-submit-gpu.sh for the library it needs) and falls back to the CPU with a logged
# reason; the rows' `backend` column says which ran, `nd4j_backend` which ND4J backend was loaded.
set -euo pipefail
cd "$(dirname "$0")/../.."
OTFUSE_MAVEN_PROFILES=-Pcuda OTFUSE_TASK_CPUS=4 submit/otfuse-submit --master spark://spark-master:7077 \
  --executor-cores 4 --executor-memory 24g \
  --conf spark.executor.resource.gpu.amount=1 \
  --conf spark.task.resource.gpu.amount=1 \
  --conf spark.executor.resource.gpu.discoveryScript=/opt/otfuse/submit/gpu-discovery.sh \
  --conf spark.executorEnv.ND4J_CUDA_FORCE_SINGLE_GPU=true \
  sweep conf/sweeps/mnist-mlp.conf --results s3a://my-bucket/otfuse/results

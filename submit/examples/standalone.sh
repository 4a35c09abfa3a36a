#!/usr/bin/env bash
# A Spark standalone cluster (spark://HOST:7077). Data, zoo and results must be reachable from every
# executor: a shared file system or s3a:// (see s3a.sh). Builds the application jar (mvn -Pdist) first.
# With SPARK_HOME set, the cluster's own spark-submit is used; otherwise the embedded one (client mode).
set -euo pipefail
cd "$(dirname "$0")/../.."
OTFUSE_TASK_CPUS=2 submit/otfuse-submit --master spark://spark-master:7077 \
  --executor-memory 12g --executor-cores 4 --conf spark.task.maxFailures=4 \
  sweep conf/sweeps/mnist-mlp.conf \
  --results s3a://my-bucket/otfuse/results zoo.dir=s3a://my-bucket/otfuse/zoos/mnist-mlp data.dir=s3a://my-bucket/otfuse/data

#!/usr/bin/env bash
# YARN (needs SPARK_HOME and HADOOP_CONF_DIR of the cluster). Cluster deploy mode: the driver runs in
# the cluster, so the sweep file is shipped with --files and named by its base name.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${SPARK_HOME:?set SPARK_HOME to the cluster's Spark 4.x}" "${HADOOP_CONF_DIR:?set HADOOP_CONF_DIR}"
OTFUSE_TASK_CPUS=2 submit/otfuse-submit --master yarn --deploy-mode cluster \
  --num-executors 8 --executor-cores 4 --executor-memory 12g \
  --files conf/sweeps/mnist-mlp.conf \
  sweep mnist-mlp.conf --results hdfs:///user/$USER/otfuse/results \
  zoo.dir=hdfs:///user/$USER/otfuse/zoos/mnist-mlp data.dir=hdfs:///user/$USER/otfuse/data

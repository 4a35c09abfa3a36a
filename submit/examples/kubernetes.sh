#!/usr/bin/env bash
# Kubernetes (needs SPARK_HOME with Kubernetes support and an image holding the application jar at
# /opt/otfuse/otfuse-jobs-app.jar, e.g. FROM apache/spark:4.2.0 + COPY jobs/target/otfuse-jobs-*-app.jar).
# Data, zoo and results on S3; credentials from the pods' IAM role (default provider chain) or a
# Kubernetes secret mounted as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: never in the sweep file.
set -euo pipefail
: "${SPARK_HOME:?set SPARK_HOME}"
FLAGS=$(bash -c 'source "$(dirname "$0")/../jvm-flags.sh"; echo "${OTFUSE_JVM_FLAGS[*]}"' "$0")
"$SPARK_HOME/bin/spark-submit" --master k8s://https://kubernetes.default.svc:443 --deploy-mode cluster \
  --name otfuse-mnist-mlp --class org.otfuse.jobs.Main \
  --conf spark.kubernetes.container.image=registry.example.com/otfuse:0.1.0 \
  --conf spark.executor.instances=8 --conf spark.executor.cores=4 --conf spark.task.cpus=2 \
  --conf spark.executorEnv.OMP_NUM_THREADS=2 --conf spark.executorEnv.GOMP_SPINCOUNT=10000 \
  --conf "spark.driver.extraJavaOptions=$FLAGS" --conf "spark.executor.extraJavaOptions=$FLAGS" \
  --conf spark.hadoop.fs.s3a.aws.credentials.provider=software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider \
  local:///opt/otfuse/otfuse-jobs-app.jar \
  sweep /opt/otfuse/conf/sweeps/mnist-mlp.conf --results s3a://my-bucket/otfuse/results \
  zoo.dir=s3a://my-bucket/otfuse/zoos/mnist-mlp data.dir=s3a://my-bucket/otfuse/data

#!/usr/bin/env bash
# Local mode with zoo, data and results on an S3-compatible store. Credentials come from the usual
# providers (here the environment: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY); they are never written
# to results or logs. Endpoint settings go under otfuse.hadoop (or --conf spark.hadoop.fs.s3a.*).
set -euo pipefail
cd "$(dirname "$0")/../.."
submit/otfuse-submit sweep conf/sweeps/quickstart.conf --results s3a://otfuse/results \
  zoo.dir=s3a://otfuse/zoos/quickstart data.dir=s3a://otfuse/data \
  hadoop.fs.s3a.endpoint=http://127.0.0.1:9000 hadoop.fs.s3a.path.style.access=true \
  hadoop.fs.s3a.connection.ssl.enabled=false

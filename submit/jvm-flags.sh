# JVM flags Spark 4.2's own launcher adds on Java 17 (ND4J and Spark need them); sourced by submit/*.
OTFUSE_JVM_FLAGS=(
  -XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  -Dio.netty.tryReflectionSetAccessible=true --enable-native-access=ALL-UNNAMED
  -Djava.awt.headless=true
)
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
# ND4J's OpenMP (libgomp) threads busy-wait 300,000 spins after every native op when there are no
# more threads than cores, and take the cores from the JVM threads between ops (the LAPJV and plan
# work of a fusion, the fork-join pool of Sinkhorn and the ground cost). 10,000 spins: the two-VGG11
# fusion 0.23-0.24 s -> 0.18-0.19 s on 2 cores (submit/bench-gomp; docs/benchmarks.md). Spark
# executors get it through spark.executorEnv (submit/otfuse-submit).
if [ -z "${GOMP_SPINCOUNT+x}" ]; then
  # marked, so that the benchmarks run their Python anchors (PyTorch, POT) with their own defaults
  export GOMP_SPINCOUNT=10000 OTFUSE_GOMP_SPINCOUNT_DEFAULTED=1
fi

#!/usr/bin/env bash
# Prepares submit/gpu/carry/ (git-ignored), what the GPU machine's run needs beyond the tracked
# tree, then dry-runs it here. Run it on the development machine, in the checkout whose tree the
# device tool sends, before calling the device with carry ["submit/gpu/carry"].
#
#   submit/gpu/prepare-carry.sh
#
# Makes:
#   carry/jre.tar.xz          a jlinked Temurin 25 runtime (java.base, java.logging, java.sql,
#                             jdk.unsupported), stripped, compressed (the machine has no Java)
#   carry/lib/*.jar           otfuse-backend.jar (org.otfuse.core.backend without the ND4J
#                             CpuBackend, plus the four ND4J-free classes of ot it uses),
#                             otfuse-backend-tests.jar (the ND4J-free contract tests), slf4j-api,
#                             slf4j-simple, jackson (the tests read the fixtures' JSON), and the
#                             JUnit console launcher; no ND4J (its natives are hundreds of MB)
#   carry/jni-include/        jni.h and linux/jni_md.h, to build the library there with nvcc
#   carry/libotfuse_cuda.so   the library built here (sm_90 + sm_80), used if the build there fails
#   carry/MANIFEST.txt        what is in it, with sizes
# Environment: JDK25 (default /usr/lib/jvm/temurin-25-jdk-amd64), MAVEN_OPTS/-o as usual.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
carry="$here/carry"
jdk25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}"
limit_mib=55
cd "$root"

[[ -x "$jdk25/bin/jlink" ]] || { echo "prepare-carry: no jlink in $jdk25 (set JDK25)" >&2; exit 2; }
rm -rf "$carry"
mkdir -p "$carry/lib"

echo "== compiling core (main and test classes)"
mvn -q -B -o test-compile -pl core 2>/dev/null || mvn -q -B test-compile -pl core

echo "== jars"
cls=core/target/classes
tcls=core/target/test-classes
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/main/org/otfuse/core/ot" "$stage/test/org/otfuse/core/testing"
cp -r "$cls/org/otfuse/core/backend" "$stage/main/org/otfuse/core/"
rm -f "$stage/main/org/otfuse/core/backend/CpuBackend"*.class   # the only ND4J user
for c in GroundMetric CostNormalization SinkhornOptions OtConvergenceException; do
  cp "$cls/org/otfuse/core/ot/$c.class" "$stage/main/org/otfuse/core/ot/"
done
cp -r "$tcls/org/otfuse/core/backend" "$stage/test/org/otfuse/core/"
rm -f "$stage/test/org/otfuse/core/backend/CpuBackendContractTest"*.class
cp "$tcls/org/otfuse/core/testing/Fixtures.class" "$stage/test/org/otfuse/core/testing/"
"$jdk25/bin/jar" --create --file "$carry/lib/otfuse-backend.jar" -C "$stage/main" .
"$jdk25/bin/jar" --create --file "$carry/lib/otfuse-backend-tests.jar" -C "$stage/test" .

# third-party jars: the versions core resolves, plus slf4j-simple and the JUnit console
cpfile="$stage/cp.txt"
mvn -q -B -o dependency:build-classpath -pl core -Dmdep.includeScope=test \
  -Dmdep.outputFile="$cpfile" >/dev/null 2>&1 \
  || mvn -q -B dependency:build-classpath -pl core -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
tr ':' '\n' < "$cpfile" | grep -E '/(slf4j-api|jackson-databind|jackson-core|jackson-annotations)-[0-9][^/]*\.jar$' \
  | while read -r j; do cp "$j" "$carry/lib/"; done
slf4j_version="$(ls "$carry"/lib/slf4j-api-*.jar | sed 's/.*slf4j-api-\(.*\)\.jar/\1/')"
platform_version="$(tr ':' '\n' < "$cpfile" | grep -o 'junit-platform-engine-[0-9.]*\.jar' | sed 's/junit-platform-engine-\(.*\)\.jar/\1/' | head -1)"
for art in "org.slf4j:slf4j-simple:$slf4j_version" \
    "org.junit.platform:junit-platform-console-standalone:$platform_version"; do
  mvn -q -B -o dependency:copy -Dartifact="$art" -DoutputDirectory="$carry/lib" >/dev/null 2>&1 \
    || mvn -q -B dependency:copy -Dartifact="$art" -DoutputDirectory="$carry/lib" >/dev/null
done
mv "$carry"/lib/junit-platform-console-standalone-*.jar "$carry/lib/junit-platform-console-standalone.jar"

echo "== jlinked runtime"
"$jdk25/bin/jlink" --add-modules java.base,java.logging,java.sql,jdk.unsupported \
  --strip-debug --no-header-files --no-man-pages --compress=zip-9 --output "$stage/jre"
strip --strip-unneeded "$stage/jre/lib/server/libjvm.so" 2>/dev/null || true
tar -C "$stage" -cJf "$carry/jre.tar.xz" jre

echo "== JNI headers and the library"
mkdir -p "$carry/jni-include/linux"
cp "$jdk25/include/jni.h" "$carry/jni-include/"
cp "$jdk25/include/linux/jni_md.h" "$carry/jni-include/linux/"
if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  JNI_INCLUDE="$carry/jni-include" bash native/cuda/build.sh "$stage/so"
  cp "$stage/so/libotfuse_cuda.so" "$carry/"
else
  echo "prepare-carry: no nvcc here; the device run builds the library itself" >&2
fi

echo "== dry run here with the carried runtime (no GPU expected)"
tar -C "$stage" -xJf "$carry/jre.tar.xz" --transform 's/^jre/jre-check/'
java="$stage/jre-check/bin/java"
"$java" -version 2>&1 | head -1
mcp="$carry/lib/otfuse-backend.jar:$(ls "$carry"/lib/slf4j-api-*.jar):$(ls "$carry"/lib/slf4j-simple-*.jar)"
lib_arg=()
[[ -f "$carry/libotfuse_cuda.so" ]] && lib_arg=("-Dotfuse.cuda.lib=$carry/libotfuse_cuda.so")
"$java" --enable-native-access=ALL-UNNAMED "${lib_arg[@]}" -cp "$mcp" org.otfuse.core.backend.GpuCheck --quick --no-bench \
  --out "$stage/check" | tail -3
tcp="$carry/lib/otfuse-backend-tests.jar:$mcp:$root/core/src/test/resources"
for j in "$carry"/lib/jackson-*.jar; do tcp="$tcp:$j"; done
"$java" --enable-native-access=ALL-UNNAMED "${lib_arg[@]}" -jar "$carry/lib/junit-platform-console-standalone.jar" execute \
  --class-path "$tcp" --select-class org.otfuse.core.backend.CudaBackendContractTest \
  --select-class org.otfuse.core.backend.BackendsTest --disable-banner --details=summary \
  2>&1 | grep -E "tests (successful|skipped|failed|aborted)" || true

{
  echo "otfuse GPU carry, made $(date -u +%Y-%m-%dT%H:%MZ) from $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  (cd "$carry" && find . -type f -printf '%s\t%p\n' | sort -k2)
  echo "total bytes: $(du -sb "$carry" | cut -f1)"
} > "$carry/MANIFEST.txt"
total_kib=$(du -sk "$carry" | cut -f1)
echo "== carry: $carry, $((total_kib / 1024)) MiB ($total_kib KiB); limit ${limit_mib} MiB"
tree_bytes=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
echo "== tracked tree $((tree_bytes / 1048576)) MiB + carry $((total_kib / 1024)) MiB travel (device limit 64 MiB)"
if (( total_kib > limit_mib * 1024 )); then
  echo "prepare-carry: the carry is over ${limit_mib} MiB" >&2
  exit 1
fi

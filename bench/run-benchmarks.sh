#!/usr/bin/env bash
# Runs the benchmarks (compare, kernel, job, convlstm, bootstrap, sql, precision) and writes BENCHMARKS.md from their output (no number is typed by hand).
#   mvn -B -q package -DskipTests && [KERNEL_BASELINE=<commit>] bash bench/run-benchmarks.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=bench/target/flink-rnn-bench.jar
OUT=bench/results
mkdir -p "$OUT"
QUICK="${1:-}"
# BENCHES=convlstm reruns a subset; the report is written from every result file present.
# The job's throughput runs use ParallelGC; its latency runs run in a JVM of their own with G1 and a
# 5 ms pause goal, as a latency-minded TaskManager would (BenchCli.jvmFlags). The bootstrap run gets a
# 1 GiB heap: that it finishes in one shows its memory is bounded (a later -Xmx wins over BenchCli's).
# The job's restore runs write and restore 1M keys (--quick: 100k) on tuned RocksDB and on ForSt, each
# a job that writes the keys and one that restarts from their savepoint. The scale runs (SCALE_KEYS,
# default 10M; --quick: 1M) run the operator and the naive job over that many keys on tuned RocksDB,
# restart the operator from a savepoint of them (about 16 GB), and run the operator with bfloat16 state
# and with RocksDB's universal compaction, with both, and with both and memtable bloom filters
# (RocksDbMemtableBloom).
# compare-avx2 is compare in a JVM held to 256-bit vectors (-XX:UseAVX=2), as on an AVX2-only host.
# block times the engine's register block alone beside the same loop in C (bench/native/block.c,
# built here where cc exists); block-avx2 holds both to 256-bit vectors.
# KERNEL_BASELINE=<commit>: the kernel bench also times that commit's engine beside this build's,
# turn by turn in 3 fresh JVMs (KernelCommand --baseline), to show what a change cost. It is built
# here, in a temporary worktree.
BASELINE_ARGS=()
if [ -n "${KERNEL_BASELINE:-}" ]; then
  base_dir="$(mktemp -d)"
  trap 'git worktree remove --force "$base_dir" >/dev/null 2>&1 || true' EXIT
  git worktree add --detach -q "$base_dir" "$KERNEL_BASELINE"
  (cd "$base_dir" && mvn -B -q package -DskipTests -pl engine -am)
  base_cp="$(ls "$base_dir"/model-io/target/*.jar "$base_dir"/engine/target/*.jar \
    | grep -v -e '-tests\.jar$' -e '-sources\.jar$' -e '-javadoc\.jar$' | paste -sd: -)"
  BASELINE_ARGS=(--baseline "$base_cp" --baseline-label "commit $KERNEL_BASELINE")
fi
# JAVA25=<path to a JDK 25 java> adds compare-jdk25: compare on that JVM (issue 18 asks whether a newer
# JDK's Vector API is faster; Flink 2.2 itself supports 17 and 21).
SCALE_KEYS="${SCALE_KEYS:-10000000}"
MEMTABLE_BLOOM=io.flinkrnn.operators.state.RocksDbMemtableBloom
for bench in ${BENCHES:-compare compare-avx2 ${JAVA25:+compare-jdk25} kernel block block-avx2 ${JAVA25:+block-jdk25} job scale scale-bf16 scale-universal scale-bf16-universal scale-bf16-universal-bloom latency convlstm bootstrap sql precision}; do
  java_bin=java
  case "$bench" in
    compare-jdk25) args=(compare --out "$OUT/jdk25"); gc=""; java_bin="${JAVA25:?JAVA25 must name a JDK 25 java}" ;;
    compare-avx2) args=(compare --out "$OUT/avx2"); gc="-XX:+UseParallelGC -XX:UseAVX=2" ;;
    job) args=(job --runs hashmap,rocksdb,naive-rocksdb,naive-rocksdb-tuned,naive-hashmap,forst,naive-forst,naive-forst-async,restore-rocksdb,restore-forst,restore-forst-async --restore-keys 1000000); gc="" ;;
    scale) args=(job --runs scale,naive-scale,restore-rocksdb --scale-keys "$SCALE_KEYS" --restore-keys "$SCALE_KEYS" --out "$OUT/scale"); gc="" ;;
    scale-bf16) args=(job --runs scale --scale-keys "$SCALE_KEYS" --state-precision bfloat16 --out "$OUT/scale-bf16"); gc="" ;;
    scale-universal) args=(job --runs scale --scale-keys "$SCALE_KEYS" --conf state.backend.rocksdb.compaction.style=UNIVERSAL --out "$OUT/scale-universal"); gc="" ;;
    scale-bf16-universal) args=(job --runs scale --scale-keys "$SCALE_KEYS" --state-precision bfloat16 --conf state.backend.rocksdb.compaction.style=UNIVERSAL --out "$OUT/scale-bf16-universal"); gc="" ;;
    scale-bf16-universal-bloom) args=(job --runs scale --scale-keys "$SCALE_KEYS" --state-precision bfloat16 --conf state.backend.rocksdb.compaction.style=UNIVERSAL --conf "state.backend.rocksdb.options-factory=$MEMTABLE_BLOOM" --out "$OUT/scale-bf16-universal-bloom"); gc="" ;;
    latency) args=(job --runs latency); gc="-XX:+UseG1GC -XX:MaxGCPauseMillis=5" ;;
    bootstrap) args=(bootstrap); gc="-XX:+UseParallelGC -Xmx1g" ;;
    kernel) args=(kernel "${BASELINE_ARGS[@]}"); gc="" ;;
    block|block-avx2|block-jdk25)
      args=(block); gc=""; cflags=(-O3 -march=native)
      [ "$bench" = block-avx2 ] && { gc="-XX:+UseParallelGC -XX:UseAVX=2"; cflags+=(-mno-avx512f); }
      [ "$bench" = block-jdk25 ] && java_bin="${JAVA25:?JAVA25 must name a JDK 25 java}"
      if command -v cc >/dev/null && cc "${cflags[@]}" -o "$OUT/$bench-native" bench/native/block.c; then
        args+=(--native "$OUT/$bench-native")
      fi ;;
    *) args=("$bench"); gc="" ;;
  esac
  FLINK_RNN_BENCH_GC="${gc:--XX:+UseParallelGC}" "$java_bin" -jar "$JAR" "${args[@]}" $QUICK 2>"$OUT/$bench.stderr" \
    | grep -v '^WARNING' | tee "$OUT/$bench.txt"
done
{
  cat bench/BENCHMARKS.head.md
  echo
  echo "## Engine vs DL4J and ONNX Runtime (\`compare${QUICK:+ $QUICK}\`)"
  echo
  cat "$OUT/compare.txt"
  echo
  echo '![engine vs DL4J and ONNX Runtime](bench/results/compare.png)'
  echo
  if [ -f "$OUT/compare-avx2.txt" ]; then
    echo "## The same, held to AVX2 (\`compare${QUICK:+ $QUICK}\` with \`-XX:UseAVX=2\`)"
    echo
    cat "$OUT/compare-avx2.txt"
    echo
  fi
  if [ -f "$OUT/compare-jdk25.txt" ]; then
    echo "## The same on JDK 25 (\`compare${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/compare-jdk25.txt"
    echo
  fi
  echo "## Kernel efficiency (\`kernel${QUICK:+ $QUICK}\`)"
  echo
  cat "$OUT/kernel.txt"
  echo
  echo '![kernel GFLOP/s](bench/results/kernel.png)'
  echo
  for b in block block-avx2 block-jdk25; do
    if [ -f "$OUT/$b.txt" ]; then
      case "$b" in
        block) title="The register block alone, Java and C" ;;
        block-avx2) title="The register block alone, both held to AVX2 (\`-XX:UseAVX=2\`, \`-mno-avx512f\`)" ;;
        block-jdk25) title="The register block alone on JDK 25" ;;
      esac
      echo "## $title (\`block${QUICK:+ $QUICK}\`)"
      echo
      cat "$OUT/$b.txt"
      echo
    fi
  done
  echo "## The whole job (\`job${QUICK:+ $QUICK}\`)"
  echo
  cat "$OUT/job.txt"
  echo
  if [ -f "$OUT/scale.txt" ]; then
    echo "## Many keys on RocksDB: the operator, the naive job and a restart (\`job --runs scale,naive-scale,restore-rocksdb${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/scale.txt"
    echo
  fi
  if [ -f "$OUT/scale-universal.txt" ]; then
    echo "## Many keys with RocksDB's universal compaction (\`job --runs scale --conf state.backend.rocksdb.compaction.style=UNIVERSAL${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/scale-universal.txt"
    echo
  fi
  if [ -f "$OUT/scale-bf16-universal.txt" ]; then
    echo "## Many keys with bfloat16 state and universal compaction (\`job --runs scale --state-precision bfloat16 --conf state.backend.rocksdb.compaction.style=UNIVERSAL${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/scale-bf16-universal.txt"
    echo
  fi
  if [ -f "$OUT/scale-bf16-universal-bloom.txt" ]; then
    echo "## Many keys with bfloat16 state, universal compaction and memtable bloom filters (\`job --runs scale --state-precision bfloat16 --conf state.backend.rocksdb.compaction.style=UNIVERSAL --conf state.backend.rocksdb.options-factory=$MEMTABLE_BLOOM${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/scale-bf16-universal-bloom.txt"
    echo
  fi
  if [ -f "$OUT/scale-bf16.txt" ]; then
    echo "## Many keys with bfloat16 state (\`job --runs scale --state-precision bfloat16${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/scale-bf16.txt"
    echo
  fi
  echo "## Latency (\`job --runs latency${QUICK:+ $QUICK}\`, G1 with a 5 ms pause goal)"
  echo
  cat "$OUT/latency.txt"
  echo
  echo '![latency](bench/results/latency.png)'
  echo
  echo "## ConvLSTM2D camera streams (\`convlstm${QUICK:+ $QUICK}\`)"
  echo
  cat "$OUT/convlstm.txt"
  if [ -f "$OUT/bootstrap.txt" ]; then
    echo
    echo "## State bootstrap at scale (\`bootstrap${QUICK:+ $QUICK}\`, 1 GiB heap)"
    echo
    cat "$OUT/bootstrap.txt"
  fi
  if [ -f "$OUT/sql.txt" ]; then
    echo
    echo "## SQL: RNN_INFER against the operator (\`sql${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/sql.txt"
  fi
  if [ -f "$OUT/precision.txt" ]; then
    echo
    echo "## Reduced-precision state (\`precision${QUICK:+ $QUICK}\`)"
    echo
    cat "$OUT/precision.txt"
  fi
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"

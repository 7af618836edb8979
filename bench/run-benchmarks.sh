#!/usr/bin/env bash
# Runs the benchmarks (compare, kernel, job, convlstm) and writes BENCHMARKS.md from their output (no number is typed by hand).
#   mvn -B -q package -DskipTests && bash bench/run-benchmarks.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=bench/target/flink-rnn-bench.jar
OUT=bench/results
mkdir -p "$OUT"
QUICK="${1:-}"
# BENCHES=convlstm reruns a subset; the report is written from every result file present.
# The job's throughput runs use ParallelGC; its latency runs run in a JVM of their own with G1 and a
# 5 ms pause goal, as a latency-minded TaskManager would (BenchCli.jvmFlags).
for bench in ${BENCHES:-compare kernel job latency convlstm}; do
  case "$bench" in
    job) args=(job --runs hashmap,rocksdb,naive-rocksdb,naive-rocksdb-tuned,naive-hashmap,scale); gc="" ;;
    latency) args=(job --runs latency); gc="-XX:+UseG1GC -XX:MaxGCPauseMillis=5" ;;
    *) args=("$bench"); gc="" ;;
  esac
  FLINK_RNN_BENCH_GC="${gc:--XX:+UseParallelGC}" java -jar "$JAR" "${args[@]}" $QUICK 2>"$OUT/$bench.stderr" \
    | grep -v '^WARNING' | tee "$OUT/$bench.txt"
done
{
  cat bench/BENCHMARKS.head.md
  echo
  echo "## Engine vs DL4J and ONNX Runtime (\`compare $QUICK\`)"
  echo
  cat "$OUT/compare.txt"
  echo
  echo '![engine vs DL4J and ONNX Runtime](bench/results/compare.png)'
  echo
  echo "## Kernel efficiency (\`kernel $QUICK\`)"
  echo
  cat "$OUT/kernel.txt"
  echo
  echo '![kernel GFLOP/s](bench/results/kernel.png)'
  echo
  if [ -f "$OUT/kernel-previous.txt" ]; then
    # kernel-previous.txt: the kernel bench of an earlier build on the same host, to show what a change cost.
    echo "### The same table from the build before the same-bits activations (commit a6ca4c4), same host and session"
    echo
    cat "$OUT/kernel-previous.txt"
    echo
  fi
  echo "## The whole job (\`job $QUICK\`)"
  echo
  cat "$OUT/job.txt"
  echo
  echo "## Latency (\`job --runs latency $QUICK\`, G1 with a 5 ms pause goal)"
  echo
  cat "$OUT/latency.txt"
  echo
  echo '![latency](bench/results/latency.png)'
  echo
  echo "## ConvLSTM2D camera streams (\`convlstm $QUICK\`)"
  echo
  cat "$OUT/convlstm.txt"
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"

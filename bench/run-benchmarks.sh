#!/usr/bin/env bash
# Runs the three benchmarks and writes BENCHMARKS.md from their output (no number is typed by hand).
#   mvn -B -q package -DskipTests && bash bench/run-benchmarks.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=bench/target/flink-rnn-bench.jar
OUT=bench/results
mkdir -p "$OUT"
QUICK="${1:-}"
java -jar "$JAR" compare $QUICK 2>/dev/null | grep -v '^WARNING' | tee "$OUT/compare.txt"
java -jar "$JAR" kernel $QUICK 2>/dev/null | grep -v '^WARNING' | tee "$OUT/kernel.txt"
java -jar "$JAR" job $QUICK 2>"$OUT/job.stderr" | grep -v '^WARNING' | tee "$OUT/job.txt"
{
  cat bench/BENCHMARKS.head.md
  echo
  echo "## Engine vs DL4J (\`compare $QUICK\`)"
  echo
  cat "$OUT/compare.txt"
  echo
  echo '![engine vs DL4J](bench/results/compare.png)'
  echo
  echo "## Kernel efficiency (\`kernel $QUICK\`)"
  echo
  cat "$OUT/kernel.txt"
  echo
  echo '![kernel GFLOP/s](bench/results/kernel.png)'
  echo
  echo "## The whole job (\`job $QUICK\`)"
  echo
  cat "$OUT/job.txt"
  echo
  echo '![latency](bench/results/latency.png)'
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"

#!/usr/bin/env bash
# The standalone-cluster test (README "Run on a cluster"): flink-rnn-job.jar on a Flink 2.2.1 session
# cluster of separate JVMs on 127.0.0.1 (one JobManager, two TaskManagers, RocksDB, checkpoints on
# local disk) with a real Kafka broker; one TaskManager is killed with kill -9 mid-stream, the job is
# stopped with a savepoint and resubmitted at another parallelism, and every committed output is
# compared with Keras. The test itself is jobs/src/test/java/io/flinkrnn/jobs/run/KafkaRnnClusterIT.java;
# `mvn -B verify` runs it too. This script runs only it (no unit tests, no format check).
#
#   tools/cluster-test/run.sh [extra Maven flags]
#
# Needs JDK 17 and Maven; Maven downloads Flink's runtime (tools/cluster-test/pom.xml) and the rest.
# Logs of every process: jobs/target/cluster-test/flink/log/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$ROOT/jobs/target/cluster-test

# kill -9 every cluster process a test run recorded and did not stop (crash, Ctrl-C, timeout); a pid
# is only killed while its command line still names this work directory.
cleanup() {
    local f pid
    if [ -n "${MVN_PID:-}" ] && kill -0 "$MVN_PID" 2>/dev/null; then
        kill -TERM "$MVN_PID" 2>/dev/null || true
        wait "$MVN_PID" 2>/dev/null || true
    fi
    for f in "$WORK"/flink/pids/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$WORK"; then
            echo "cluster-test: killing leftover $(basename "$f" .pid) (pid $pid)" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$f"
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cleanup

mkdir -p "$ROOT/jobs/target"
echo "cluster-test: resolving the Flink runtime (tools/cluster-test/pom.xml)" >&2
timeout 600 mvn -B -q -f tools/cluster-test/pom.xml dependency:build-classpath \
    -Dmdep.outputFile="$ROOT/jobs/target/flink.classpath"

# Builds model-io, engine, operators and both jars without their unit tests, then runs the cluster
# test (failsafe, after package). The test bounds each of its waits; this bounds the whole run.
timeout 1200 mvn -B -pl jobs -am verify \
    -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.check.skip=true \
    -Dflinkrnn.cluster.classpath="$ROOT/jobs/target/flink.classpath" "$@" &
MVN_PID=$!
wait "$MVN_PID"

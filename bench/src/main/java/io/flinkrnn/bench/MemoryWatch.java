package io.flinkrnn.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches a long run from a thread of its own: samples the used heap every 100 ms for its peak, and
 * every few seconds prints a progress line ({@code # 30 s, phase: progress; heap ..., RSS ...,
 * read ...}) so that a run of many minutes shows it is moving and how much memory it holds.
 */
final class MemoryWatch implements AutoCloseable {

    private static final long SAMPLE_MILLIS = 100;

    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memory-watch");
        t.setDaemon(true);
        return t;
    });
    private final MemoryMXBean heap = ManagementFactory.getMemoryMXBean();
    private final long started = System.nanoTime();
    private final AtomicLong peakHeap = new AtomicLong();
    private volatile String phase = "";
    private volatile String progress = "";
    private volatile long readAtPhase;

    private MemoryWatch() {}

    static MemoryWatch start(int progressSeconds) {
        MemoryWatch watch = new MemoryWatch();
        watch.thread.scheduleAtFixedRate(watch::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        watch.thread.scheduleAtFixedRate(watch::print, progressSeconds, progressSeconds, TimeUnit.SECONDS);
        return watch;
    }

    /** A new phase: printed now, and its bytes read counted from here. */
    void phase(String name) {
        phase = name;
        progress = "";
        readAtPhase = bytesRead();
        print();
    }

    /** What the phase has done so far, shown on the next progress line. */
    void progress(String done) {
        progress = done;
    }

    /** The most heap in use at any sample. */
    long peakHeap() {
        sample();
        return peakHeap.get();
    }

    private void sample() {
        peakHeap.accumulateAndGet(heap.getHeapMemoryUsage().getUsed(), Math::max);
    }

    private void print() {
        System.out.printf(
                "# %.0f s, %s%s; heap used %,d MiB (peak %,d), RSS %,d MiB, read %,d MiB of files in this phase%n",
                (System.nanoTime() - started) / 1e9,
                phase,
                progress.isEmpty() ? "" : ": " + progress,
                heap.getHeapMemoryUsage().getUsed() >> 20,
                peakHeap.get() >> 20,
                procStatus("VmRSS:") >> 20,
                (bytesRead() - readAtPhase) >> 20);
        System.out.flush();
    }

    /** The process's peak resident memory (heap, RocksDB's native memory, code): {@code VmHWM}. */
    static long peakResident() {
        return procStatus("VmHWM:");
    }

    /** A {@code /proc/self/status} size in bytes, or 0 where there is none. */
    private static long procStatus(String field) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith(field))
                    .map(l -> Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]) * 1024)
                    .findFirst()
                    .orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Bytes the process has read from files and sockets ({@code rchar}), or 0 where not known. */
    private static long bytesRead() {
        try {
            return Files.readAllLines(Path.of("/proc/self/io")).stream()
                    .filter(l -> l.startsWith("rchar:"))
                    .map(l -> Long.parseLong(l.substring("rchar:".length()).trim()))
                    .findFirst()
                    .orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}

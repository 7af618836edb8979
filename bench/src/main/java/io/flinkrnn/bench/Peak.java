package io.flinkrnn.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.DoubleAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's peak fp32 FMA rate: 12 independent chains of vector fused multiply-adds in
 * registers (enough to cover FMA latency on two pipes), widest species the JVM offers, on 1 and on
 * all cores. 2 FLOP per lane per FMA.
 */
final class Peak {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Peak() {}

    static int lanes() {
        return S.length();
    }

    /** GFLOP/s of {@code threads} threads, each running the loop for about {@code millis}. */
    static double gflops(int threads, long millis) throws InterruptedException {
        DoubleAdder flops = new DoubleAdder();
        DoubleAdder seconds = new DoubleAdder();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                float sink = 0;
                for (int w = 0; w < 20_000; w++) {
                    sink += loop(200); // C2 compiles loop() as a method, vector ops intrinsified
                }
                // The best of short windows: on a shared machine, the least disturbed one.
                double best = 0;
                long end = System.nanoTime() + millis * 1_000_000L;
                do {
                    long start = System.nanoTime();
                    sink += loop(2_000_000);
                    double s = (System.nanoTime() - start) / 1e9;
                    best = Math.max(best, 2_000_000 * 12.0 * S.length() * 2 / s);
                } while (System.nanoTime() < end);
                flops.add(best);
                seconds.add(1);
                if (sink == 42.4242f) {
                    System.out.print("");
                }
                done.countDown();
            });
            thread.start();
        }
        done.await();
        return flops.sum() / 1e9;
    }

    private static float loop(long iterations) {
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 1f), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
        FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, b);
            a1 = a1.fma(m, b);
            a2 = a2.fma(m, b);
            a3 = a3.fma(m, b);
            a4 = a4.fma(m, b);
            a5 = a5.fma(m, b);
            a6 = a6.fma(m, b);
            a7 = a7.fma(m, b);
            a8 = a8.fma(m, b);
            a9 = a9.fma(m, b);
            a10 = a10.fma(m, b);
            a11 = a11.fma(m, b);
        }
        return a0.add(a1)
                .add(a2)
                .add(a3)
                .add(a4)
                .add(a5)
                .add(a6)
                .add(a7)
                .add(a8)
                .add(a9)
                .add(a10)
                .add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}

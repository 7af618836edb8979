package io.flinkrnn.bench;

/** Events per second of a step run repeatedly: a warm-up, then as many calls as fit the time. */
final class Rate {

    interface Step {
        void run() throws Exception;
    }

    private Rate() {}

    static double eventsPerSecond(Step step, int eventsPerCall, double warmupSeconds, double seconds) throws Exception {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int calls = 0;
        do {
            step.run();
            calls++;
        } while (System.nanoTime() < warmEnd || calls < 2);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long n = 0;
        long now;
        do {
            step.run();
            n++;
            now = System.nanoTime();
        } while (now < end || n < 3);
        return n * (double) eventsPerCall / ((now - start) / 1e9);
    }
}

package io.flinkrnn.jobs.demo;

import java.util.SplittableRandom;

/**
 * The demo's built-in sensors: each one a seasonal signal with its own amplitude, phase and offset
 * plus noise, the formula the bundled model was trained on ({@code tools/examples/train_sensor_lstm.py
 * --demo}). A few readings are replaced by spikes, the anomalies the demo should find. Pure
 * functions of (sensor, step), so any reader can recompute the reading behind an output.
 */
public final class SensorSignal {

    /** Steps per season; the training script's PERIOD. */
    static final double PERIOD = 48.0;
    /** Standard deviation of the noise; the training script's NOISE. */
    static final double NOISE = 0.05;
    /** One reading in this many is a spike. */
    static final int ANOMALY_ONE_IN = 400;

    private SensorSignal() {}

    public static String sensor(int index) {
        return String.format("sensor-%03d", index);
    }

    public static int index(String sensor) {
        return Integer.parseInt(sensor.substring(sensor.indexOf('-') + 1));
    }

    public static float reading(int sensor, long step) {
        SplittableRandom params = new SplittableRandom(sensor * 7919L);
        double amplitude = 0.5 + params.nextDouble();
        double phase = params.nextDouble() * 2 * Math.PI;
        double offset = params.nextDouble() - 0.5;
        SplittableRandom noise = new SplittableRandom(sensor * 1_000_003L + step);
        double value = offset + amplitude * Math.sin(2 * Math.PI * step / PERIOD + phase) + NOISE * gaussian(noise);
        if (isAnomaly(sensor, step)) {
            value += (noise.nextBoolean() ? 1 : -1) * (1.0 + noise.nextDouble());
        }
        return (float) value;
    }

    public static boolean isAnomaly(int sensor, long step) {
        return step > 30 && new SplittableRandom(sensor * 31L + step * 1_000_033L).nextInt(ANOMALY_ONE_IN) == 0;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian on Java 17.
        double u = 1.0 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}

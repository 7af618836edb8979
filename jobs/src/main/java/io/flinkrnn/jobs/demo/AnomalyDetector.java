package io.flinkrnn.jobs.demo;

import io.flinkrnn.operators.Prediction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Compares each sensor's reading with the forecast the model made one step earlier and flags the
 * reading when they are further apart than the threshold. A spike also throws the next few
 * forecasts off, since it entered the sensor's recurrent state; those aftershocks are not flagged
 * again. The reading is recomputed from {@link SensorSignal}, a pure function of sensor and step.
 */
final class AnomalyDetector extends KeyedProcessFunction<String, Prediction, DemoLine> {

    private static final long PROGRESS_EVERY = 2_000;
    /** Steps after a flagged reading during which the model is still settling. */
    private static final long SETTLE_STEPS = 8;

    private final float threshold;
    private final int warmup;
    private final int samples;
    private transient ValueState<Float> lastForecast;
    private transient ValueState<Long> lastFlagged;
    private transient long sinceProgress;

    AnomalyDetector(float threshold, int warmup, int samples) {
        this.threshold = threshold;
        this.warmup = warmup;
        this.samples = samples;
    }

    @Override
    public void open(OpenContext context) {
        lastForecast = getRuntimeContext().getState(new ValueStateDescriptor<>("last-forecast", Types.FLOAT));
        lastFlagged = getRuntimeContext().getState(new ValueStateDescriptor<>("last-flagged", Types.LONG));
    }

    @Override
    public void processElement(Prediction p, Context ctx, Collector<DemoLine> out) throws Exception {
        int sensor = SensorSignal.index(p.key());
        long step = p.timestamp();
        float reading = SensorSignal.reading(sensor, step);
        Float forecast = lastForecast.value();
        boolean injected = SensorSignal.isAnomaly(sensor, step);
        Long flagged = lastFlagged.value();
        boolean settling = flagged != null && step - flagged <= SETTLE_STEPS;
        if (forecast != null && step >= warmup && !settling && Math.abs(reading - forecast) > threshold) {
            lastFlagged.update(step);
            out.collect(new DemoLine(DemoLine.Kind.ANOMALY, p.key(), step, reading, forecast, injected, 0));
        } else if (forecast != null && sensor < samples && step % 100 == 50) {
            out.collect(new DemoLine(DemoLine.Kind.SAMPLE, p.key(), step, reading, forecast, injected, 0));
        }
        lastForecast.update(p.outputs()[0]);
        if (++sinceProgress == PROGRESS_EVERY) {
            out.collect(DemoLine.progress(sinceProgress));
            sinceProgress = 0;
        }
    }
}

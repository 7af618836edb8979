package io.flinkrnn.operators;

import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/** The operator's side outputs beside its predictions. */
@PublicEvolving
public final class RnnSideOutputs {

    /**
     * Events that changed no state: wrong width, NaN or infinite values, null key, a ts not after
     * the key's last served one in strict ordering.
     */
    public static final OutputTag<Rejected> REJECTS =
            new OutputTag<>("flink-rnn-rejects", TypeInformation.of(Rejected.class));

    /**
     * Event-time events that arrived after the watermark passed them by more than the lateness, or
     * older than their key's last served event.
     */
    public static final OutputTag<RnnEvent> LATE =
            new OutputTag<>("flink-rnn-late", TypeInformation.of(RnnEvent.class));

    /** Answers to forecast control events. */
    public static final OutputTag<Forecast> FORECASTS =
            new OutputTag<>("flink-rnn-forecasts", TypeInformation.of(Forecast.class));

    private RnnSideOutputs() {}
}

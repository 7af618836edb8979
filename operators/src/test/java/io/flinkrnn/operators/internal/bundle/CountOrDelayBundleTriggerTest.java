package io.flinkrnn.operators.internal.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** When a bundle ends: full, or its own delay passed; never by a timer an earlier bundle left behind. */
class CountOrDelayBundleTriggerTest {

    private final TestProcessingTimeService time = new TestProcessingTimeService();
    /** The processing time of each finish the trigger called. */
    private final List<Long> finishes = new ArrayList<>();

    private boolean loading;
    private CountOrDelayBundleTrigger trigger;

    @BeforeEach
    void open() throws Exception {
        time.setCurrentTime(0);
        trigger = new CountOrDelayBundleTrigger(3, Duration.ofMillis(20), time, () -> loading);
        // The operator's finishBundle resets the trigger, whatever ended the bundle.
        trigger.registerCallback(() -> {
            finishes.add(time.getCurrentProcessingTime());
            trigger.reset();
        });
    }

    private void events(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            trigger.onElement();
        }
    }

    @Test
    void aFullBundleEndsAtOnce() throws Exception {
        events(2);
        assertThat(finishes).isEmpty();
        events(1);
        assertThat(finishes).containsExactly(0L);
    }

    @Test
    void aBundleEndsWhenItsDelayFromItsFirstEventPasses() throws Exception {
        events(1);
        time.setCurrentTime(15);
        events(1);
        time.setCurrentTime(19);
        assertThat(finishes).isEmpty();
        time.setCurrentTime(20);
        assertThat(finishes).containsExactly(20L);
    }

    @Test
    void theTimerOfABundleThatEndedFullDoesNotCutTheNextShort() throws Exception {
        events(3); // full at 0, its timer (due at 20) stays registered
        time.setCurrentTime(10);
        events(1); // the next bundle's own timer is due at 30
        time.setCurrentTime(20);
        assertThat(finishes).containsExactly(0L);
        time.setCurrentTime(30);
        assertThat(finishes).containsExactly(0L, 30L);
    }

    @Test
    void whileAModelLoadsAFullBundleGathersUpToFourBundles() throws Exception {
        loading = true;
        events(3 * CountOrDelayBundleTrigger.HOLD_BACK_LIMIT - 1);
        assertThat(finishes).isEmpty();
        events(1);
        assertThat(finishes).containsExactly(0L);
    }

    @Test
    void aZeroDelayWaitsForTheCount() throws Exception {
        trigger = new CountOrDelayBundleTrigger(3, Duration.ZERO, time, () -> false);
        trigger.registerCallback(() -> finishes.add(time.getCurrentProcessingTime()));
        events(2);
        time.setCurrentTime(1_000_000);
        assertThat(finishes).isEmpty();
        assertThat(time.getNumActiveTimers()).isZero();
    }
}

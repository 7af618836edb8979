/**
 * The inference operator behind {@link io.flinkrnn.operators.RnnInference}, a lifecycle shell, and
 * what it delegates to: the event-time buffer, key freshness (epochs, session gaps, TTL), forecasts,
 * settings, metrics and event checks; {@code bundle} batches events across keys into engine steps
 * (when: the trigger; what: the bundle function), {@code model} loads, compiles and swaps models and
 * compares their state layouts. Not API: anything here may change in any release.
 */
package io.flinkrnn.operators.internal;

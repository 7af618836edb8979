/**
 * The inference operator behind {@link io.flinkrnn.operators.RnnInference}: its settings, metrics and
 * event checks; {@code bundle} batches events across keys into engine steps, {@code model} loads,
 * compiles and swaps models. Not API: anything here may change in any release.
 */
package io.flinkrnn.operators.internal;

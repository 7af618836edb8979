/**
 * The API of flink-rnn's keyed inference step: what a DataStream job touches. {@link
 * io.flinkrnn.operators.RnnInference} builds the step; {@link io.flinkrnn.operators.RnnEvent} goes
 * in; {@link io.flinkrnn.operators.Prediction}, {@link io.flinkrnn.operators.Forecast} and {@link
 * io.flinkrnn.operators.Rejected} come out (side outputs named in {@link
 * io.flinkrnn.operators.RnnSideOutputs}); {@link io.flinkrnn.operators.Control} resets, forecasts and
 * swaps; {@link io.flinkrnn.operators.RnnOptions} are its configuration keys and {@link
 * io.flinkrnn.operators.ModelSource} says where the model is.
 *
 * <p>Classes marked {@code @PublicEvolving} are the API: they may still change between minor
 * versions, and a change is named in the changelog. Two {@code @Internal} classes live here only
 * because savepoints record their names ({@code OperatorFacts} in the operator's union state, {@code
 * RnnEventSerializer.Snapshot} for the event-time buffer): moving them would make existing savepoints
 * unreadable. Everything under {@code internal} may change in any release.
 */
package io.flinkrnn.operators;

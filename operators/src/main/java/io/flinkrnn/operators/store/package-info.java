/**
 * The versioned model store behind {@link io.flinkrnn.operators.ModelSource#fromStore} and {@code
 * flink-rnn store}: publish, list, verify and fetch model versions. Not API: the store's layout on
 * disk is the stable part, this code may change in any release.
 */
package io.flinkrnn.operators.store;

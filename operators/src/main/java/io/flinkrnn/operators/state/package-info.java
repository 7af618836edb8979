/**
 * The keyed state format: what one key stores and the serializers that write it. Not API, but fixed:
 * savepoints record these serializers' snapshot class names, so they keep this package whatever moves
 * around them, and a change of the bytes is a new numbered layout ({@link
 * io.flinkrnn.operators.state.LayoutSnapshot}).
 */
package io.flinkrnn.operators.state;

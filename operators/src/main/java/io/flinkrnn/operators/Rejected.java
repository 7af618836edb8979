package io.flinkrnn.operators;

/** An event that changed no state, and why. */
public record Rejected(String key, long timestamp, String reason) {}

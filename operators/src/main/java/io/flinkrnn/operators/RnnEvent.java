package io.flinkrnn.operators;

import java.io.Serializable;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One event of one key: the per-step input tensor flattened in C order (docs/SEMANTICS.md section 6), or
 * a single token id for models that start with an Embedding.
 */
@TypeInfo(RnnEventSerializer.Factory.class)
public record RnnEvent(String key, long timestamp, float[] features) implements Serializable {}

package io.flinkrnn.operators.store;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.apache.flink.annotation.Internal;

/**
 * What {@code manifest.json} records for one stored model version. Written last, so a version
 * directory without it is an unfinished upload and is ignored.
 *
 * @param createdMillis when the version was stored; {@code latest} is the newest
 */
@Internal
public record ModelManifest(
        @JsonProperty("name") String name,
        @JsonProperty("version") String version,
        @JsonProperty("created_millis") long createdMillis,
        @JsonProperty("keras_version") String kerasVersion,
        @JsonProperty("input_shape") String inputShape,
        @JsonProperty("output_shape") String outputShape,
        @JsonProperty("params") long params,
        @JsonProperty("files") List<StoredFile> files) {

    public static final String FILE_NAME = "manifest.json";

    /**
     * One stored file.
     *
     * @param role {@code model} (the .h5, .keras or JSON config) or {@code weights}
     */
    public record StoredFile(
            @JsonProperty("name") String name,
            @JsonProperty("role") String role,
            @JsonProperty("bytes") long bytes,
            @JsonProperty("sha256") String sha256) {}

    public StoredFile file(String role) {
        return files.stream().filter(f -> f.role().equals(role)).findFirst().orElse(null);
    }
}

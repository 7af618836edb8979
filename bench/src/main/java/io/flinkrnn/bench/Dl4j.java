package io.flinkrnn.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.deeplearning4j.nn.modelimport.keras.config.KerasModelConfiguration;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * DL4J's Keras import of a Keras 2 .h5 file. Its importer crashes the JVM (SIGSEGV in libnd4jcpu)
 * on the orthogonal initializer Keras uses by default for recurrent kernels, so the model config is
 * read from the file, every {@code *_initializer} replaced by zeros on this copy (the weights are
 * loaded over them anyway), and the weights read from the original file.
 */
final class Dl4j {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Dl4j() {}

    static MultiLayerNetwork load(Path h5) throws Exception {
        String config;
        String version;
        String backend;
        try (HdfFile file = new HdfFile(h5)) {
            config = string(file.getAttribute("model_config"));
            version = string(file.getAttribute("keras_version"));
            backend = string(file.getAttribute("backend"));
        }
        JsonNode tree = JSON.readTree(config);
        replaceInitializers(tree);
        // The version and backend are attributes of the file, not of the config string; without them
        // DL4J reads the config as Keras 1.
        ((ObjectNode) tree).put("keras_version", version == null ? "2.0.8" : version);
        ((ObjectNode) tree).put("backend", backend == null ? "tensorflow" : backend);
        try (KerasModelBuilder builder = new KerasModelBuilder(new KerasModelConfiguration())) {
            return builder.modelJson(JSON.writeValueAsString(tree))
                    .weightsHdf5Filename(h5.toString())
                    .enforceTrainingConfig(false)
                    .buildSequential()
                    .getMultiLayerNetwork();
        }
    }

    private static String string(Attribute attribute) {
        if (attribute == null) {
            return null;
        }
        Object data = attribute.getData();
        return data instanceof String s ? s : ((String[]) data)[0];
    }

    private static void replaceInitializers(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().endsWith("_initializer") && field.getValue().isObject()) {
                    ObjectNode zeros = JSON.createObjectNode();
                    zeros.put("class_name", "Zeros");
                    zeros.putObject("config");
                    field.setValue(zeros);
                } else {
                    replaceInitializers(field.getValue());
                }
            }
        } else if (node != null && node.isArray()) {
            node.forEach(Dl4j::replaceInitializers);
        }
    }

    /** The first line of a failure, with the exception type, for the table. */
    static String message(Throwable e) {
        Throwable root = e;
        String text = e.getClass().getSimpleName() + ": " + e.getMessage();
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            text += " (cause " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
        }
        text = text.replace('\n', ' ').replace('|', '/');
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}

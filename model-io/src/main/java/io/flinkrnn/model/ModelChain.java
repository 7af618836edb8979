package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model config reduced to what flink-rnn runs: the chain of layers from the one input to the one
 * output. Reads Sequential models (Keras 1 and early Keras 2 wrote their config as a bare list) and
 * Functional models (Keras 2 {@code Model}/{@code Functional}, Keras 3 {@code Functional}) whose graph
 * is such a chain.
 *
 * @param batchShape the input's {@code batch_shape}, batch axis first, JSON nulls for free axes
 * @param layers the chain in order, without the InputLayer
 * @param container the layers as Keras 3's {@code model.layers} lists them, which is how the
 *     {@code .weights.h5} layout names their groups (a Functional model counts its InputLayer, a
 *     Sequential model does not)
 */
record ModelChain(String name, JsonNode batchShape, List<LayerConfig> layers, List<LayerConfig> container) {

    static ModelChain of(JsonNode model, LoadContext ctx) {
        if (model == null || !model.isObject() || !model.path("class_name").isTextual()) {
            throw ctx.fail("the model config has no 'class_name': not a Keras model config");
        }
        String cls = model.get("class_name").asText();
        JsonNode config = model.path("config");
        return switch (cls) {
            case "Sequential" -> sequential(config, ctx);
            case "Model", "Functional" -> functional(config, ctx);
            default -> throw ctx.fail("the model is a '" + cls + "', expected a Sequential or Functional model"
                    + (model.hasNonNull("registered_name")
                                    || model.hasNonNull("module")
                                            && !model.get("module").asText().startsWith("keras")
                            ? " (subclassed models are code and are refused)"
                            : ""));
        };
    }

    private static ModelChain sequential(JsonNode config, LoadContext ctx) {
        // Keras 1 and Keras 2 before 2.2.3 wrote a Sequential config as the bare list of layers.
        JsonNode list = config.isArray() ? config : config.path("layers");
        if (!list.isArray() || list.isEmpty()) {
            throw ctx.fail("the Sequential model has no layers");
        }
        checkLayerCount(list, ctx);
        List<LayerConfig> all = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            LayerConfig layer = LayerConfig.of(list.get(i), ctx, "layer #" + i);
            // Legacy weights are found by layer name: a second 'dense_3' would take the first's weights.
            // Keras itself refuses a Sequential model whose layers share a name.
            if (!names.add(layer.name())) {
                throw ctx.fail("two layers are named '" + layer.name() + "'");
            }
            all.add(layer);
        }
        String name = config.isObject() ? config.path("name").asText("sequential") : "sequential";
        JsonNode batchShape;
        List<LayerConfig> layers;
        if (all.get(0).className().equals("InputLayer")) {
            batchShape = inputLayerShape(all.get(0));
            layers = List.copyOf(all.subList(1, all.size()));
        } else {
            layers = List.copyOf(all);
            batchShape = firstLayerShape(layers.get(0), config);
        }
        if (layers.isEmpty()) {
            throw ctx.fail("the Sequential model has no layers after its InputLayer");
        }
        return new ModelChain(name, batchShape, layers, layers);
    }

    private static ModelChain functional(JsonNode config, LoadContext ctx) {
        JsonNode list = config.path("layers");
        if (!list.isArray() || list.isEmpty()) {
            throw ctx.fail("the Functional model has no layers");
        }
        checkLayerCount(list, ctx);
        Map<String, LayerConfig> byName = new LinkedHashMap<>();
        List<LayerConfig> all = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            LayerConfig layer = LayerConfig.of(entry, ctx, "layer #" + i);
            String graphName = entry.path("name").asText(layer.name());
            if (byName.put(graphName, layer) != null) {
                throw ctx.fail("two layers are named '" + graphName + "'");
            }
            all.add(layer);
        }
        List<TensorRef> inputs = refs(config.path("input_layers"), ctx, "input_layers");
        List<TensorRef> outputs = refs(config.path("output_layers"), ctx, "output_layers");
        if (inputs.size() != 1) {
            throw ctx.fail("the model has " + inputs.size() + " inputs; only chains from one input to one output"
                    + " are supported");
        }
        String in = inputs.get(0).layer();
        String out = outputs.get(0).layer();
        if (outputs.stream().anyMatch(o -> !o.layer().equals(out))) {
            throw ctx.fail("the model has " + outputs.size() + " outputs from different layers; only chains from"
                    + " one input to one output are supported");
        }
        List<LayerConfig> chain = new ArrayList<>();
        Set<String> onChain = new HashSet<>();
        String current = out;
        while (!current.equals(in)) {
            LayerConfig layer = byName.get(current);
            if (layer == null) {
                throw ctx.fail("the graph refers to a layer '" + current + "' that the config does not define");
            }
            if (!onChain.add(current)) {
                throw ctx.fail(layer.where() + " is part of a cycle");
            }
            List<List<TensorRef>> nodes = inboundNodes(layer);
            if (nodes.size() != 1) {
                throw layer.fail("it is called " + nodes.size() + " times; shared layers are not supported, only a"
                        + " chain from one input to one output");
            }
            List<TensorRef> args = nodes.get(0);
            if (args.size() != 1) {
                throw layer.fail("it takes " + args.size() + " inputs; only chains from one input to one output"
                        + " are supported");
            }
            TensorRef arg = args.get(0);
            if (arg.tensor() != 0) {
                throw layer.fail("it reads output " + arg.tensor() + " of layer '" + arg.layer()
                        + "' (a returned state); only chains from one input to one output are supported");
            }
            chain.add(0, layer);
            current = arg.layer();
        }
        LayerConfig input = byName.get(in);
        if (input == null || !input.className().equals("InputLayer")) {
            throw ctx.fail("the model input '" + in + "' is not an InputLayer");
        }
        List<String> off = byName.keySet().stream()
                .filter(n -> !onChain.contains(n) && !n.equals(in))
                .toList();
        if (!off.isEmpty()) {
            throw ctx.fail("layers " + off + " are not on the chain from '" + in + "' to '" + out
                    + "'; only chains from one input to one output are supported");
        }
        if (chain.isEmpty()) {
            throw ctx.fail("the model has no layers between its input and its output");
        }
        String name = config.path("name").asText("model");
        return new ModelChain(name, inputLayerShape(input), List.copyOf(chain), List.copyOf(all));
    }

    private static void checkLayerCount(JsonNode list, LoadContext ctx) {
        int max = ctx.limits().maxLayers();
        if (list.size() > max) {
            throw ctx.fail("the model has " + list.size() + " layers, more than " + LoadLimits.limit("maxLayers", max));
        }
    }

    /** {@code [layer, node, tensor]} of a graph reference; the node index does not matter in a chain. */
    private record TensorRef(String layer, int tensor) {}

    /** Keras 2 and 3 write {@code [["in", 0, 0]]}; Keras 3 writes a single one as {@code ["in", 0, 0]}. */
    private static List<TensorRef> refs(JsonNode n, LoadContext ctx, String field) {
        if (!n.isArray() || n.isEmpty()) {
            throw ctx.fail("the Functional model has no '" + field + "'");
        }
        List<TensorRef> refs = new ArrayList<>();
        if (n.get(0).isTextual()) {
            refs.add(new TensorRef(n.get(0).asText(), n.path(2).asInt(0)));
        } else {
            for (JsonNode r : n) {
                refs.add(new TensorRef(r.path(0).asText(), r.path(2).asInt(0)));
            }
        }
        return refs;
    }

    /**
     * Each call of the layer in the graph, with the tensors it takes. Keras 2: a list of {@code [layer,
     * node, tensor, kwargs]}; Keras 3: {@code {"args": [...], "kwargs": {...}}} holding {@code
     * __keras_tensor__} objects whose {@code keras_history} is the reference (a tensor in kwargs, such
     * as an initial state, is an input too).
     */
    private static List<List<TensorRef>> inboundNodes(LayerConfig layer) {
        JsonNode nodes = layer.entry().path("inbound_nodes");
        List<List<TensorRef>> out = new ArrayList<>();
        for (JsonNode node : nodes) {
            List<TensorRef> args = new ArrayList<>();
            if (node.isArray()) {
                for (JsonNode a : node) {
                    args.add(new TensorRef(a.path(0).asText(), a.path(2).asInt(0)));
                }
            } else {
                collectKerasTensors(node, args);
            }
            out.add(args);
        }
        return out;
    }

    private static void collectKerasTensors(JsonNode n, List<TensorRef> into) {
        if (n.isObject() && "__keras_tensor__".equals(n.path("class_name").asText())) {
            JsonNode h = n.path("config").path("keras_history");
            into.add(new TensorRef(h.path(0).asText(), h.path(2).asInt(0)));
            return;
        }
        for (JsonNode child : n) {
            collectKerasTensors(child, into);
        }
    }

    private static JsonNode inputLayerShape(LayerConfig input) {
        JsonNode shape = input.get("batch_shape");
        if (shape == null) {
            throw input.fail("config field 'batch_shape' is missing: the model's input shape is unknown");
        }
        return shape;
    }

    /**
     * A Sequential model without an InputLayer carries its input shape on the first layer: {@code
     * batch_input_shape} (Keras 2), {@code input_dim}/{@code input_length} (Keras 1), or the model's
     * {@code build_input_shape}/the layer's {@code build_config} (Keras 3).
     */
    private static JsonNode firstLayerShape(LayerConfig first, JsonNode modelConfig) {
        JsonNode shape = first.get("batch_shape");
        if (shape != null) {
            return shape;
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        JsonNode length = first.get("input_length");
        if (first.className().equals("Embedding") && length != null) {
            ArrayNode a = f.arrayNode().addNull();
            return a.add(length);
        }
        JsonNode dim = first.get("input_dim");
        if (dim != null && !first.className().equals("Embedding")) {
            ArrayNode a = f.arrayNode().addNull();
            if (length == null) {
                a.addNull();
            } else {
                a.add(length);
            }
            return a.add(dim);
        }
        JsonNode built = modelConfig.path("build_input_shape");
        if (built.isArray()) {
            return built;
        }
        built = first.entry().path("build_config").path("input_shape");
        if (built.isArray()) {
            return built;
        }
        throw first.fail("the model has no InputLayer and the first layer carries no input shape");
    }
}

package io.flinkrnn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.flinkrnn.model.spec.Inbound;
import io.flinkrnn.model.spec.TensorRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A model config reduced to what flink-rnn runs: the graph of layers from the inputs to the served
 * outputs. Reads Sequential models (Keras 1 and early Keras 2 wrote their config as a bare list), a
 * chain, and Functional models (Keras 2 {@code Model}/{@code Functional}, Keras 3 {@code
 * Functional}), whose layers may branch and merge (docs/SEMANTICS.md section 11).
 *
 * @param batchShapes each input's {@code batch_shape}, in the model's input order, batch axis first,
 *     JSON nulls for free axes
 * @param layers the layers in topological order (ties in config order, which is Keras's {@code
 *     model.layers} order), without the InputLayer
 * @param inbound what each layer takes, index for index with {@code layers}
 * @param outputs the served tensors, in the model's output order
 * @param container the layers as Keras 3's {@code model.layers} lists them, which is how the
 *     {@code .weights.h5} layout names their groups (a Functional model counts its InputLayer, a
 *     Sequential model does not)
 */
record ModelGraph(
        String name,
        List<JsonNode> batchShapes,
        List<LayerConfig> layers,
        List<Inbound> inbound,
        List<TensorRef> outputs,
        List<LayerConfig> container) {

    static ModelGraph of(JsonNode model, LoadContext ctx) {
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

    private static ModelGraph sequential(JsonNode config, LoadContext ctx) {
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
        return new ModelGraph(
                name,
                List.of(batchShape),
                layers,
                IntStream.range(0, layers.size()).mapToObj(Inbound::chain).toList(),
                List.of(TensorRef.of(layers.size() - 1)),
                layers);
    }

    private static ModelGraph functional(JsonNode config, LoadContext ctx) {
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
        List<NamedRef> inputs = refs(config.path("input_layers"), ctx, "input_layers");
        List<NamedRef> outputs = refs(config.path("output_layers"), ctx, "output_layers");
        List<String> ins = inputs.stream().map(NamedRef::layer).toList();
        outputs = served(outputs);
        List<String> outs = outputs.stream().map(NamedRef::layer).distinct().toList();
        List<JsonNode> batchShapes = new ArrayList<>();
        for (String in : ins) {
            LayerConfig input = byName.get(in);
            if (input == null || !input.className().equals("InputLayer")) {
                throw ctx.fail("the model input '" + in + "' is not an InputLayer");
            }
            if (ins.indexOf(in) != ins.lastIndexOf(in)) {
                throw ctx.fail("the model lists its input '" + in + "' twice");
            }
            batchShapes.add(inputLayerShape(input));
        }
        Map<String, Call> calls = new HashMap<>();
        List<String> order = topological(outs, ins, byName, calls, ctx);
        Set<String> maskOps = new HashSet<>();
        Map<String, List<String>> inputsOf = inputsOf(calls);
        calls.forEach((n, call) -> {
            if (call.mask() != null) {
                maskOps.addAll(MaskOps.check(byName.get(n), call.mask().layer(), byName, inputsOf));
            }
        });
        List<String> off = byName.keySet().stream()
                .filter(n -> !calls.containsKey(n) && !ins.contains(n) && !maskOps.contains(n))
                .toList();
        if (!off.isEmpty()) {
            throw ctx.fail("layers " + off + " do not lead from the input" + (ins.size() == 1 ? " '" : "s '")
                    + String.join("', '", ins) + "' to the output" + (outs.size() == 1 ? " '" : "s '")
                    + String.join("', '", outs) + "'");
        }
        if (order.isEmpty()) {
            throw ctx.fail("the model has no layers between its input and its output");
        }
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < ins.size(); k++) {
            index.put(ins.get(k), TensorRef.input(k).node());
        }
        List<LayerConfig> layers = new ArrayList<>();
        List<Inbound> inbound = new ArrayList<>();
        for (String name : order) {
            Call call = calls.get(name);
            LayerConfig layer = byName.get(name);
            inbound.add(new Inbound(resolve(layer, call.inputs(), index), resolve(layer, call.initialState(), index)));
            index.put(name, layers.size());
            layers.add(layer);
        }
        List<TensorRef> served = new ArrayList<>();
        for (NamedRef out : outputs) {
            if (out.tensor() < 0 || index.get(out.layer()) < 0 && out.tensor() != 0) {
                throw ctx.fail("the model's output is output " + out.tensor() + " of layer '" + out.layer() + "'");
            }
            served.add(new TensorRef(index.get(out.layer()), out.tensor()));
        }
        String name = config.path("name").asText("model");
        return new ModelGraph(
                name,
                List.copyOf(batchShapes),
                List.copyOf(layers),
                List.copyOf(inbound),
                List.copyOf(served),
                all.stream().filter(l -> !maskOps.contains(l.name())).toList());
    }

    /**
     * The outputs flink-rnn serves. A model whose outputs all come from one layer returns a recurrent
     * layer's output with its states ({@code return_state=True}): it serves the layer's output, the
     * states come with emit-states. Outputs of different layers are all served, in output order
     * (docs/SEMANTICS.md section 11).
     */
    private static List<NamedRef> served(List<NamedRef> outputs) {
        NamedRef first = outputs.get(0);
        return outputs.stream().allMatch(o -> o.layer().equals(first.layer())) ? List.of(first) : outputs;
    }

    /**
     * The layers that lead to {@code outs}, every layer after all the layers it takes (Kahn's order,
     * ties broken by config order, so that recurrent layers are numbered as Keras's {@code
     * model.layers} lists them). Fills {@code calls} with each layer's parsed call.
     */
    private static List<String> topological(
            List<String> outs,
            List<String> ins,
            Map<String, LayerConfig> byName,
            Map<String, Call> calls,
            LoadContext ctx) {
        List<String> pending = new ArrayList<>(outs);
        while (!pending.isEmpty()) {
            String name = pending.remove(pending.size() - 1);
            if (ins.contains(name) || calls.containsKey(name)) {
                continue;
            }
            LayerConfig layer = byName.get(name);
            if (layer == null) {
                throw ctx.fail("the graph refers to a layer '" + name + "' that the config does not define");
            }
            if (layer.className().equals("InputLayer")) {
                throw ctx.fail("the output depends on the InputLayer '" + name + "', which is not one of the"
                        + " model's inputs");
            }
            Call call = call(layer);
            calls.put(name, call);
            call.all().forEach(r -> pending.add(r.layer()));
        }
        // Kahn's algorithm over the layers that lead to the output, the ready layer first in config order.
        Map<String, Integer> position = new HashMap<>();
        Map<String, Set<String>> producers = new HashMap<>();
        Map<String, List<String>> readers = new HashMap<>();
        for (String name : byName.keySet()) {
            if (calls.containsKey(name)) {
                position.put(name, position.size());
                Set<String> from = new HashSet<>();
                calls.get(name).all().forEach(r -> from.add(r.layer()));
                from.removeAll(ins);
                producers.put(name, from);
                from.forEach(
                        p -> readers.computeIfAbsent(p, k -> new ArrayList<>()).add(name));
            }
        }
        PriorityQueue<String> ready = new PriorityQueue<>(Comparator.comparing(position::get));
        Map<String, Integer> waiting = new HashMap<>();
        producers.forEach((name, from) -> {
            waiting.put(name, from.size());
            if (from.isEmpty()) {
                ready.add(name);
            }
        });
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String next = ready.poll();
            order.add(next);
            for (String reader : readers.getOrDefault(next, List.of())) {
                if (waiting.merge(reader, -1, Integer::sum) == 0) {
                    ready.add(reader);
                }
            }
        }
        if (order.size() < position.size()) {
            String stuck = position.keySet().stream()
                    .filter(n -> waiting.get(n) > 0)
                    .min(Comparator.comparing(position::get))
                    .orElseThrow();
            throw ctx.fail(byName.get(stuck).where() + " is part of a cycle");
        }
        return order;
    }

    private static Map<String, List<String>> inputsOf(Map<String, Call> calls) {
        Map<String, List<String>> inputs = new HashMap<>();
        calls.forEach((n, call) ->
                inputs.put(n, call.inputs().stream().map(NamedRef::layer).toList()));
        return inputs;
    }

    private static List<TensorRef> resolve(LayerConfig reader, List<NamedRef> refs, Map<String, Integer> index) {
        return refs.stream()
                .map(r -> {
                    int node = index.get(r.layer());
                    // The input has one tensor; a layer's outputs past 0 are checked against its spec later.
                    if (r.tensor() < 0 || node < 0 && r.tensor() != 0) {
                        throw reader.fail("reads output " + r.tensor() + " of layer '" + r.layer()
                                + "', which has no such output");
                    }
                    return new TensorRef(node, r.tensor());
                })
                .toList();
    }

    private static void checkLayerCount(JsonNode list, LoadContext ctx) {
        int max = ctx.limits().maxLayers();
        if (list.size() > max) {
            throw ctx.fail("the model has " + list.size() + " layers, more than " + LoadLimits.limit("maxLayers", max));
        }
    }

    /** {@code [layer, node, tensor]} of a graph reference; the node index is 0, as every layer is called once. */
    private record NamedRef(String layer, int tensor) {}

    /**
     * One call of a layer: its positional input tensors, its {@code initial_state} tensors, and the
     * tensor of Keras 3's {@code mask=} argument (null when none).
     */
    private record Call(List<NamedRef> inputs, List<NamedRef> initialState, NamedRef mask) {

        List<NamedRef> all() {
            List<NamedRef> all = new ArrayList<>(inputs);
            all.addAll(initialState);
            return all;
        }
    }

    /** Keras 2 and 3 write {@code [["in", 0, 0]]}; Keras 3 writes a single one as {@code ["in", 0, 0]}. */
    private static List<NamedRef> refs(JsonNode n, LoadContext ctx, String field) {
        if (!n.isArray() || n.isEmpty()) {
            throw ctx.fail("the Functional model has no '" + field + "'");
        }
        List<NamedRef> refs = new ArrayList<>();
        if (n.get(0).isTextual()) {
            refs.add(new NamedRef(n.get(0).asText(), n.path(2).asInt(0)));
        } else {
            for (JsonNode r : n) {
                refs.add(new NamedRef(r.path(0).asText(), r.path(2).asInt(0)));
            }
        }
        return refs;
    }

    /**
     * The layer's one call in the graph. Keras 2 writes a list of {@code [layer, node, tensor, kwargs]}
     * in which a recurrent layer's tensors after the first are its {@code initial_state}; Keras 3
     * writes {@code {"args": [...], "kwargs": {...}}} holding {@code __keras_tensor__} objects whose
     * {@code keras_history} is the reference, a merge layer's inputs as one list in {@code args}.
     */
    private static Call call(LayerConfig layer) {
        JsonNode nodes = layer.entry().path("inbound_nodes");
        if (nodes.size() != 1) {
            throw layer.fail(
                    "it is called " + nodes.size() + " times in the graph; shared layers are not" + " supported");
        }
        JsonNode node = nodes.get(0);
        List<NamedRef> inputs = new ArrayList<>();
        List<NamedRef> initialState = new ArrayList<>();
        List<NamedRef> mask = new ArrayList<>();
        boolean recurrent = LayerRegistry.is(layer.className(), LayerRegistry.Kind.RECURRENT);
        if (node.isArray()) {
            for (JsonNode a : node) {
                NamedRef ref = new NamedRef(a.path(0).asText(), a.path(2).asInt(0));
                (recurrent && !inputs.isEmpty() ? initialState : inputs).add(ref);
            }
        } else {
            for (JsonNode a : node.path("args")) {
                collectKerasTensors(a, inputs);
            }
            node.path("kwargs").fields().forEachRemaining(kw -> {
                List<NamedRef> tensors = new ArrayList<>();
                collectKerasTensors(kw.getValue(), tensors);
                if (kw.getKey().equals("initial_state") && recurrent) {
                    initialState.addAll(tensors);
                } else if (kw.getKey().equals("mask") && tensors.size() == 1) {
                    mask.addAll(tensors);
                } else if (!tensors.isEmpty()) {
                    throw layer.fail("takes a tensor as its '" + kw.getKey() + "' argument, which is not supported");
                }
            });
        }
        if (inputs.isEmpty()) {
            throw layer.fail("its call in the graph takes no input tensor");
        }
        return new Call(inputs, initialState, mask.isEmpty() ? null : mask.get(0));
    }

    private static void collectKerasTensors(JsonNode n, List<NamedRef> into) {
        if (n.isObject() && "__keras_tensor__".equals(n.path("class_name").asText())) {
            JsonNode h = n.path("config").path("keras_history");
            into.add(new NamedRef(h.path(0).asText(), h.path(2).asInt(0)));
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

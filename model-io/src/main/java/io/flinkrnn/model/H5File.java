package io.flinkrnn.model;

import io.flinkrnn.model.spec.Tensor;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The only class that touches jhdf. A damaged HDF5 file often parses until some object deep inside
 * it is read, so every access here turns jhdf's runtime failures into one line naming the file and
 * the object, instead of letting a BufferUnderflowException escape from the middle of a layer.
 *
 * <p>The file is read from memory, never from a channel: jhdf then slices every structure out of
 * the one buffer, so an address or length in a damaged file cannot make it allocate (reading from a
 * file channel, it allocates a buffer of whatever length the file declares). What remains are the
 * arrays of a dataset's values, and {@link #weight} checks their declared size first.
 */
final class H5File implements AutoCloseable {

    private final HdfFile hdf;
    private final String name;
    private final long fileBytes;
    private final LoadLimits limits;
    /** Bytes of unfiltered weight data read so far, which the file must hold too. */
    private long weightBytes;

    private H5File(HdfFile hdf, String name, long fileBytes, LoadLimits limits) {
        this.hdf = hdf;
        this.name = name;
        this.fileBytes = fileBytes;
        this.limits = limits;
    }

    /** @param name how messages call the file, e.g. {@code m.keras (model.weights.h5)} */
    static H5File open(byte[] bytes, String name, LoadLimits limits) {
        try {
            return new H5File(HdfFile.fromBytes(bytes), name, bytes.length, limits);
        } catch (RuntimeException e) {
            throw new ModelLoadException(name + ": not a readable HDF5 file (" + reason(e) + ")", e);
        }
    }

    String name() {
        return name;
    }

    ModelLoadException fail(String what) {
        return new ModelLoadException(name + ": " + what);
    }

    boolean isGroup(String path) {
        return guard(path, () -> node(path).filter(Node::isGroup).isPresent());
    }

    /** Children of a group in HDF5's order (alphabetical for the files Keras writes). */
    List<String> children(String path) {
        return guard(path, () -> {
            Group g = group(path);
            return List.copyOf(g.getChildren().keySet());
        });
    }

    Optional<String> stringAttribute(String path, String attribute) {
        return guard(path, () -> {
            Attribute a = node(path)
                    .orElseThrow(() -> fail("has no object '" + path + "'"))
                    .getAttribute(attribute);
            if (a == null || a.isEmpty()) {
                return Optional.empty();
            }
            Object data = checked(a, attribute, path).getData();
            if (data instanceof String s) {
                return Optional.of(s);
            }
            if (data instanceof String[] arr && arr.length == 1) {
                return Optional.of(arr[0]);
            }
            throw fail("attribute '" + attribute + "' of '" + display(path) + "' is not a string");
        });
    }

    /**
     * A list-of-strings attribute such as {@code layer_names} or {@code weight_names}. Keras splits
     * one larger than HDF5's 64 KiB attribute limit into {@code name0}, {@code name1}, ...
     */
    Optional<List<String>> stringsAttribute(String path, String attribute) {
        return guard(path, () -> {
            Node n = node(path).orElseThrow(() -> fail("has no object '" + display(path) + "'"));
            Attribute whole = n.getAttribute(attribute);
            if (whole != null) {
                return Optional.of(strings(whole, path, attribute));
            }
            List<String> all = new ArrayList<>();
            boolean any = false;
            for (int chunk = 0; n.getAttribute(attribute + chunk) != null; chunk++) {
                all.addAll(strings(n.getAttribute(attribute + chunk), path, attribute + chunk));
                any = true;
            }
            return any ? Optional.of(all) : Optional.empty();
        });
    }

    /** A float dataset as a weight; float64 and float16 are narrowed or widened to float32. */
    Weight weight(String path) {
        return guard(path, () -> {
            Node n = node(path).orElseThrow(() -> fail("has no dataset '" + display(path) + "'"));
            if (!(n instanceof Dataset d)) {
                throw fail("'" + display(path) + "' is a group, expected a weight dataset");
            }
            int[] shape = d.isScalar() ? new int[0] : d.getDimensions();
            Class<?> type = d.getJavaType();
            if (type != float.class && type != double.class) {
                throw fail("weight '" + display(path) + "' holds " + type.getSimpleName() + " values, expected floats");
            }
            boolean unfiltered = d.getFilters().isEmpty();
            checkDeclaredSize(
                    "weight '" + display(path) + "' of shape " + Weight.tuple(shape),
                    d.getSize(),
                    d.getSizeInBytes(),
                    unfiltered);
            // Links can name one dataset many times; Keras's files store each weight once.
            weightBytes += unfiltered ? d.getSizeInBytes() : 0;
            if (weightBytes > fileBytes) {
                throw fail("weight '" + display(path) + "' brings the weights read to " + weightBytes
                        + " bytes, more than the whole file's " + fileBytes + " (a dataset linked more than once?)");
            }
            Object flat = d.isEmpty() ? new float[0] : d.getDataFlat();
            float[] data;
            if (flat instanceof float[] f) {
                data = f;
            } else {
                double[] dbl = (double[]) flat;
                data = new float[dbl.length];
                for (int i = 0; i < dbl.length; i++) {
                    data[i] = (float) dbl[i];
                }
            }
            if (data.length != Tensor.size(shape)) {
                throw fail("weight '" + display(path) + "' of shape " + Weight.tuple(shape) + " holds " + data.length
                        + " values");
            }
            return new Weight(display(path), shape, data);
        });
    }

    @Override
    public void close() {
        hdf.close();
    }

    /**
     * Before jhdf allocates for a dataset or attribute: its values must fit the limit and, when
     * stored unfiltered, the bytes it declares must be in the file at all (a flipped dimension
     * otherwise reserves gigabytes for data that is not there).
     */
    private void checkDeclaredSize(String what, long elements, long bytes, boolean unfiltered) {
        if (elements > limits.maxTensorElements()) {
            throw fail(what + " declares " + elements + " values, more than "
                    + LoadLimits.limit("maxTensorElements", limits.maxTensorElements()));
        }
        if (unfiltered && bytes > fileBytes) {
            throw fail(what + " declares " + bytes + " bytes of data, more than the whole file's " + fileBytes);
        }
    }

    private Attribute checked(Attribute a, String attribute, String path) {
        checkDeclaredSize(
                "attribute '" + attribute + "' of '" + display(path) + "'", a.getSize(), a.getSizeInBytes(), true);
        return a;
    }

    private Optional<Node> node(String path) {
        if (path.isEmpty() || path.equals("/")) {
            return Optional.of(hdf);
        }
        Node current = hdf;
        for (String part : path.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (!(current instanceof Group g)) {
                return Optional.empty();
            }
            // Weight names such as 'kernel:0' are plain child names; walk them one by one.
            current = g.getChildren().get(part);
            if (current == null) {
                return Optional.empty();
            }
        }
        return Optional.of(current);
    }

    private Group group(String path) {
        Node n = node(path).orElseThrow(() -> fail("has no group '" + display(path) + "'"));
        if (!(n instanceof Group g)) {
            throw fail("'" + display(path) + "' is a dataset, expected a group");
        }
        return g;
    }

    private List<String> strings(Attribute a, String path, String attribute) {
        if (a.isEmpty()) {
            return List.of();
        }
        Object data = checked(a, attribute, path).getData();
        if (data instanceof String[] arr) {
            return Arrays.asList(arr);
        }
        if (data instanceof String s) {
            return List.of(s);
        }
        throw fail("attribute '" + attribute + "' of '" + display(path) + "' is not a list of strings");
    }

    private <T> T guard(String path, Supplier<T> read) {
        try {
            return read.get();
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException(
                    name + ": corrupt or truncated HDF5 file, reading '" + display(path) + "' failed (" + reason(e)
                            + ")",
                    e);
        }
    }

    private static String display(String path) {
        return path.isEmpty() ? "/" : path;
    }

    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        return root.getClass().getSimpleName() + (msg == null || msg.isBlank() ? "" : ": " + msg);
    }
}

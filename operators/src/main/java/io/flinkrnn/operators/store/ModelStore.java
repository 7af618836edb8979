package io.flinkrnn.operators.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flinkrnn.model.KerasModels;
import io.flinkrnn.model.LoadLimits;
import io.flinkrnn.model.spec.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Versioned Keras models on any Flink file system: {@code <root>/<name>/<version>/} holds the
 * model file(s) and a {@link ModelManifest} with their SHA-256. Only models model-io can run get
 * in; every fetch checks the hashes again, so a changed or truncated file never reaches a job.
 */
@Internal
public final class ModelStore {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;

    private ModelStore(Path root) {
        this.root = root;
    }

    /** A store rooted at a Flink file system URI, e.g. {@code file:///models} or {@code s3://bucket/models}. */
    public static ModelStore at(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("a model store needs a root URI, e.g. file:///var/flink-rnn/models");
        }
        return new ModelStore(new Path(URI.create(uri)));
    }

    public String uri() {
        return root.toUri().toString();
    }

    /**
     * Stores a model as {@code name}/{@code version} after model-io has loaded it; a model it cannot
     * run is refused with model-io's message and nothing is written.
     *
     * @param weights the weights file of a JSON config, else {@code null}
     * @param version {@code null} for the next number after the highest numeric version
     */
    public ModelManifest put(String name, java.nio.file.Path model, java.nio.file.Path weights, String version) {
        checkName("model name", name);
        ModelSpec spec = weights == null ? KerasModels.load(model) : KerasModels.load(model, weights);
        String v = version != null ? version : nextVersion(name);
        checkName("version", v);
        Path dir = versionDir(name, v);
        try {
            FileSystem fs = dir.getFileSystem();
            if (fs.exists(dir)) {
                throw new IllegalArgumentException("model " + name + " version " + v + " already exists in " + uri());
            }
            fs.mkdirs(dir);
            List<ModelManifest.StoredFile> files = new ArrayList<>();
            files.add(upload(model, "model", dir));
            if (weights != null) {
                files.add(upload(weights, "weights", dir));
            }
            ModelManifest manifest = new ModelManifest(
                    name,
                    v,
                    System.currentTimeMillis(),
                    spec.kerasVersion().full(),
                    spec.input().toString(),
                    spec.outputShape().toString(),
                    spec.paramCount(),
                    files);
            try (OutputStream out =
                    fs.create(new Path(dir, ModelManifest.FILE_NAME), FileSystem.WriteMode.NO_OVERWRITE)) {
                JSON.writeValue(out, manifest);
            }
            return manifest;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write " + name + "/" + v + " to " + uri() + ": " + e.getMessage(), e);
        }
    }

    /** Every complete version, oldest first; of one model, or of all when {@code name} is null. */
    public List<ModelManifest> list(String name) {
        List<ModelManifest> out = new ArrayList<>();
        for (String n : name != null ? List.of(name) : childNames(root)) {
            for (String v : childNames(new Path(root, n))) {
                manifest(n, v).ifPresent(out::add);
            }
        }
        out.sort(Comparator.comparing(ModelManifest::name)
                .thenComparingLong(ModelManifest::createdMillis)
                .thenComparing(ModelManifest::version));
        return out;
    }

    /** The manifest of {@code version}, or of the newest version for {@code latest} or null. */
    public ModelManifest resolve(String name, String version) {
        if (version == null || version.equals("latest")) {
            List<ModelManifest> all = list(name);
            if (all.isEmpty()) {
                throw new IllegalArgumentException("no model named " + name + " in " + uri());
            }
            return all.get(all.size() - 1);
        }
        return manifest(name, version)
                .orElseThrow(() ->
                        new IllegalArgumentException("no version " + version + " of model " + name + " in " + uri()));
    }

    /** Problems found by rehashing stored files: one line each, naming the file; empty when intact. */
    public List<String> verify(String name, String version) {
        List<ModelManifest> manifests = version != null ? List.of(resolve(name, version)) : list(name);
        List<String> problems = new ArrayList<>();
        for (ModelManifest m : manifests) {
            for (ModelManifest.StoredFile f : m.files()) {
                Path file = new Path(versionDir(m.name(), m.version()), f.name());
                try {
                    String actual = sha256(file);
                    if (!actual.equals(f.sha256())) {
                        problems.add(file + ": sha256 " + actual + " does not match the manifest's " + f.sha256());
                    }
                } catch (IOException e) {
                    problems.add(file + ": cannot be read (" + e.getMessage() + ")");
                }
            }
        }
        return problems;
    }

    /**
     * Copies a version's files to a local directory, checks their hashes and loads the model.
     *
     * @throws IllegalStateException naming the file whose hash does not match
     */
    public StoredModel fetch(String name, String version) {
        return fetch(name, version, LoadLimits.DEFAULTS);
    }

    /** {@link #fetch(String, String)}, loading within {@code limits}. */
    public StoredModel fetch(String name, String version, LoadLimits limits) {
        ModelManifest m = resolve(name, version);
        try {
            java.nio.file.Path local = Files.createTempDirectory("flink-rnn-" + m.name() + "-" + m.version() + "-");
            local.toFile().deleteOnExit();
            for (ModelManifest.StoredFile f : m.files()) {
                Path remote = new Path(versionDir(m.name(), m.version()), f.name());
                java.nio.file.Path target = local.resolve(f.name());
                String actual;
                try (OutputStream out = Files.newOutputStream(target)) {
                    actual = copyHashing(remote.getFileSystem().open(remote), out);
                }
                target.toFile().deleteOnExit();
                if (!actual.equals(f.sha256())) {
                    throw new IllegalStateException(remote + ": sha256 " + actual + " does not match the manifest's "
                            + f.sha256() + "; refusing to load " + m.name() + " version " + m.version());
                }
            }
            ModelManifest.StoredFile weights = m.file("weights");
            java.nio.file.Path model = local.resolve(m.file("model").name());
            ModelSpec spec = weights == null
                    ? KerasModels.load(model, limits)
                    : KerasModels.load(model, local.resolve(weights.name()), limits);
            return new StoredModel(m, spec);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot fetch " + m.name() + "/" + m.version() + " from " + uri() + ": " + e.getMessage(), e);
        }
    }

    /** A verified, loaded model and the manifest it came with. */
    public record StoredModel(ModelManifest manifest, ModelSpec spec) {}

    private Optional<ModelManifest> manifest(String name, String version) {
        Path file = new Path(versionDir(name, version), ModelManifest.FILE_NAME);
        try (InputStream in = file.getFileSystem().open(file)) {
            return Optional.of(JSON.readValue(in, ModelManifest.class));
        } catch (java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            if (!exists(file)) {
                return Optional.empty();
            }
            throw new UncheckedIOException(file + " is not a readable manifest: " + e.getMessage(), e);
        }
    }

    private String nextVersion(String name) {
        int highest = list(name).stream()
                .map(ModelManifest::version)
                .filter(v -> v.matches("\\d{1,9}"))
                .mapToInt(Integer::parseInt)
                .max()
                .orElse(0);
        return Integer.toString(highest + 1);
    }

    private ModelManifest.StoredFile upload(java.nio.file.Path local, String role, Path dir) throws IOException {
        String fileName = local.getFileName().toString();
        Path target = new Path(dir, fileName);
        String sha256;
        try (OutputStream out = target.getFileSystem().create(target, FileSystem.WriteMode.NO_OVERWRITE)) {
            sha256 = copyHashing(Files.newInputStream(local), out);
        }
        return new ModelManifest.StoredFile(fileName, role, Files.size(local), sha256);
    }

    private Path versionDir(String name, String version) {
        return new Path(new Path(root, name), version);
    }

    private List<String> childNames(Path dir) {
        try {
            FileSystem fs = dir.getFileSystem();
            if (!fs.exists(dir)) {
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (FileStatus s : fs.listStatus(dir)) {
                if (s.isDir()) {
                    names.add(s.getPath().getName());
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean exists(Path p) {
        try {
            return p.getFileSystem().exists(p);
        } catch (IOException e) {
            return false;
        }
    }

    private static String sha256(Path file) throws IOException {
        return copyHashing(file.getFileSystem().open(file), OutputStream.nullOutputStream());
    }

    /** Copies {@code source} to {@code target}, closing the source, and returns its SHA-256 in hex. */
    private static String copyHashing(InputStream source, OutputStream target) throws IOException {
        try (DigestInputStream in = new DigestInputStream(source, MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(target);
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    private static void checkName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value
                    + "' must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }
}

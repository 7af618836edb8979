package io.flinkrnn.jobs.cli;

import io.flinkrnn.operators.store.ModelManifest;
import io.flinkrnn.operators.store.ModelStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code flink-rnn store put|list|verify|inspect}: the versioned model store (docs/SEMANTICS.md section 8). */
@Command(
        name = "store",
        mixinStandardHelpOptions = true,
        description = "Keeps versioned Keras models, with SHA-256 manifests, on any Flink file system URI.",
        subcommands = {
            StoreCommand.Put.class,
            StoreCommand.ListVersions.class,
            StoreCommand.Verify.class,
            StoreCommand.Inspect.class
        })
public final class StoreCommand implements Runnable {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code -h, --help} alone, for subcommands whose {@code --version} names a model version: the
     * standard help options' {@code --version} would take it over, and {@code --help} with it.
     */
    static final class HelpOnly {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;
    }

    /**
     * {@code --store}, on each subcommand rather than on {@code store}: a required option of the
     * parent would be missing from {@code store put --help} and fail it.
     */
    static final class StoreRoot {
        @Option(
                names = "--store",
                required = true,
                description = "Root URI of the store, e.g. file:///var/flink-rnn/models")
        String uri;

        ModelStore open() {
            return ModelStore.at(uri);
        }
    }

    static String describe(ModelManifest m) {
        return String.format(
                "%s %s  Keras %s  input %s  output %s  %,d params  stored %s",
                m.name(),
                m.version(),
                m.kerasVersion(),
                m.inputShape(),
                m.outputShape(),
                m.params(),
                Instant.ofEpochMilli(m.createdMillis()));
    }

    @Command(name = "put", description = "Checks that flink-rnn can run a model, then stores it as a new version.")
    static final class Put implements Callable<Integer> {
        @ParentCommand
        StoreCommand parent;

        @Mixin
        HelpOnly help;

        @Mixin
        StoreRoot store;

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Mixin
        ModelFile model;

        @Option(names = "--version", description = "Version label (default: the next number).")
        String version;

        @Override
        public Integer call() {
            ModelManifest m = store.open().put(name, model.model(), model.weights(), version);
            parent.spec.commandLine().getOut().println("stored " + describe(m));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists stored versions, oldest first.")
    static final class ListVersions implements Callable<Integer> {
        @ParentCommand
        StoreCommand parent;

        @Mixin
        StoreRoot store;

        @Option(names = "--name", description = "Only this model.")
        String name;

        @Override
        public Integer call() {
            PrintWriter out = parent.spec.commandLine().getOut();
            List<ModelManifest> all = store.open().list(name);
            all.forEach(m -> out.println(describe(m)));
            if (all.isEmpty()) {
                out.println("no models in " + store.uri);
            }
            return 0;
        }
    }

    @Command(
            name = "verify",
            description = "Rehashes stored files; exits 1 naming every file that does not match its manifest.")
    static final class Verify implements Callable<Integer> {
        @ParentCommand
        StoreCommand parent;

        @Mixin
        HelpOnly help;

        @Mixin
        StoreRoot store;

        @Option(names = "--name", description = "Only this model.")
        String name;

        @Option(names = "--version", description = "Only this version (or latest).")
        String version;

        @Override
        public Integer call() {
            if (version != null && name == null) {
                throw new IllegalArgumentException("--version needs --name");
            }
            List<String> problems = store.open().verify(name, version);
            PrintWriter out = parent.spec.commandLine().getOut();
            problems.forEach(p -> parent.spec.commandLine().getErr().println("error: " + p));
            if (problems.isEmpty()) {
                out.println("all stored files match their manifests");
            }
            return problems.isEmpty() ? 0 : 1;
        }
    }

    @Command(
            name = "inspect",
            description = "Prints a stored version's manifest and its model summary (hashes checked).")
    static final class Inspect implements Callable<Integer> {
        @ParentCommand
        StoreCommand parent;

        @Mixin
        HelpOnly help;

        @Mixin
        StoreRoot store;

        @Option(names = "--name", required = true, description = "Model name.")
        String name;

        @Option(names = "--version", description = "Version or latest. Default: ${DEFAULT-VALUE}.")
        String version = "latest";

        @Override
        public Integer call() {
            ModelStore.StoredModel stored = store.open().fetch(name, version);
            PrintWriter out = parent.spec.commandLine().getOut();
            out.println(describe(stored.manifest()));
            stored.manifest()
                    .files()
                    .forEach(f ->
                            out.printf("  %-8s %s  %,d bytes  sha256 %s%n", f.role(), f.name(), f.bytes(), f.sha256()));
            out.print(stored.spec().summary());
            return 0;
        }
    }
}

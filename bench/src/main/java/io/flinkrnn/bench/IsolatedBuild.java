package io.flinkrnn.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A build of the engine loaded from its jars in a class loader of its own, so that the kernel bench
 * times an older build in the same JVM and the same minutes as this one, turn by turn: the fairest
 * way to tell what a change cost on a host whose speed moves from run to run. This build is loaded
 * the same way ({@link #thisBuild}), fresh: the bench's own copy of the engine has by then run every
 * kernel through the same call sites, and C2's code for a call site that has seen several kernels
 * is slower than for one that has seen one, as in a TaskManager. Only {@code io.flinkrnn} classes
 * come from the given jars; everything else (the JDK, the Vector API module) is shared. {@link
 * LstmStepTimer}'s bytes are defined in that loader, so its calls link to that build's engine.
 */
final class IsolatedBuild {

    private static final String TIMER = LstmStepTimer.class.getName();

    private final ClassLoader loader;

    /** This build, from the jar (or classes directory) the bench runs from. */
    static IsolatedBuild thisBuild() throws IOException, java.net.URISyntaxException {
        return new IsolatedBuild(Path.of(IsolatedBuild.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString());
    }

    IsolatedBuild(String classpath) throws IOException {
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (!Files.exists(path)) {
                throw new IllegalArgumentException("--baseline: no such jar or directory: " + entry);
            }
            urls.add(path.toUri().toURL());
        }
        ClassLoader shared = new ClassLoader(IsolatedBuild.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.startsWith("io.flinkrnn.")) {
                    throw new ClassNotFoundException(name); // from the baseline's jars, never from this build
                }
                return super.loadClass(name, resolve);
            }
        };
        byte[] timer;
        try (InputStream in = IsolatedBuild.class.getResourceAsStream("/" + TIMER.replace('.', '/') + ".class")) {
            timer = in.readAllBytes();
        }
        loader = new URLClassLoader("isolated-build", urls.toArray(URL[]::new), shared) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                return name.equals(TIMER) ? defineClass(name, timer, 0, timer.length) : super.findClass(name);
            }
        };
    }

    /** This build's {@link LstmStepTimer#gflops} for one shape. */
    Timer timer(int units, int batch) throws ReflectiveOperationException {
        Class<?> type = Class.forName(TIMER, true, loader);
        Object timer = type.getConstructor(int.class, int.class).newInstance(units, batch);
        MethodHandle gflops = MethodHandles.publicLookup()
                .findVirtual(type, "gflops", MethodType.methodType(double.class, double.class))
                .bindTo(timer);
        return seconds -> {
            try {
                return (double) gflops.invokeExact(seconds);
            } catch (Throwable t) {
                throw new IllegalStateException("timer failed in " + loader, t);
            }
        };
    }

    interface Timer {
        double gflops(double seconds);
    }
}

package io.flinkrnn.jobs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Option;

/**
 * Flink's web UI and Prometheus endpoint for the MiniCluster that {@code demo} and {@code run} start
 * under {@code java -jar}. Under {@code flink run} the job goes to a cluster that has its own, and
 * these options change nothing.
 */
public final class LocalClusterOptions {

    static final int DEFAULT_WEB_UI_PORT = 8081;
    static final String PROMETHEUS_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory";

    @Option(
            names = "--web-ui-port",
            paramLabel = "PORT",
            description = "Port of Flink's web UI on localhost; 0 for any free port. Default 8081, or a free port"
                    + " if 8081 is taken.")
    Integer webUiPort;

    @Option(names = "--no-web-ui", description = "Start no web UI.")
    boolean noWebUi;

    @Option(
            names = "--prometheus-port",
            paramLabel = "PORT",
            description = "Serve the metrics to Prometheus on this port or range (e.g. 9249 or 9250-9260).")
    String prometheusPort;

    /**
     * The settings these options add to the embedded cluster's configuration (nothing under {@code
     * flink run}); prints where the UI and the metrics are, so that it is the first thing a user reads.
     */
    public Configuration configuration(PrintWriter out) throws IOException {
        Configuration local = new Configuration();
        if (!(StreamExecutionEnvironment.getExecutionEnvironment() instanceof LocalStreamEnvironment)) {
            return local;
        }
        if (!noWebUi) {
            int port = webUiPort(out);
            local.set(RestOptions.ADDRESS, "localhost");
            local.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            local.set(RestOptions.BIND_PORT, String.valueOf(port));
            // A local UI to watch the job; jobs are started by this command, not uploaded through it.
            local.set(WebOptions.SUBMIT_ENABLE, false);
            out.printf("Flink web UI: http://localhost:%d (job graph, backpressure, checkpoints)%n", port);
        }
        if (prometheusPort != null) {
            MetricOptions.forReporter(local, "prom")
                    .set(MetricOptions.REPORTER_FACTORY_CLASS, PROMETHEUS_FACTORY)
                    .setString("port", prometheusPort);
            out.printf("Prometheus metrics: http://localhost:%s/metrics%n", prometheusPort);
        }
        out.flush();
        return local;
    }

    private int webUiPort(PrintWriter out) throws IOException {
        if (webUiPort == null) {
            if (isFree(DEFAULT_WEB_UI_PORT)) {
                return DEFAULT_WEB_UI_PORT;
            }
            int free = freePort();
            out.printf(
                    "port %d is taken (another Flink?): the web UI uses port %d instead (--web-ui-port to choose)%n",
                    DEFAULT_WEB_UI_PORT, free);
            return free;
        }
        if (webUiPort == 0) {
            return freePort();
        }
        if (webUiPort < 0 || webUiPort > 65535 || !isFree(webUiPort)) {
            throw new IllegalArgumentException("--web-ui-port " + webUiPort
                    + ": not a free port on localhost; choose another, 0 for any free port, or --no-web-ui");
        }
        return webUiPort;
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}

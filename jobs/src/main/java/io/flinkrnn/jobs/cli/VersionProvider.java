package io.flinkrnn.jobs.cli;

import picocli.CommandLine;

/** Reports the jar's version and the Flink it runs on. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = FlinkRnnCli.class.getPackage().getImplementationVersion();
        return new String[] {
            "flink-rnn " + (version == null ? "(development build)" : version),
            "Apache Flink " + org.apache.flink.runtime.util.EnvironmentInformation.getVersion(),
            "Java " + System.getProperty("java.version")
        };
    }
}

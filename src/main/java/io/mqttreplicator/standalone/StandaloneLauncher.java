package io.mqttreplicator.standalone;

import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.standalone.MqttrepEnvironment.Invalid;
import io.mqttreplicator.standalone.MqttrepEnvironment.Result;
import io.mqttreplicator.standalone.MqttrepEnvironment.Valid;
import java.io.PrintStream;
import java.util.Map;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Starts the standalone (non-Kubernetes) mode from the MQTTREP_* variables, or refuses to start:
 * then it prints every problem, one per line, and returns a non-zero exit code, never a stack trace.
 */
public final class StandaloneLauncher {

    public static final int EXIT_OK = 0;
    public static final int EXIT_INVALID_CONFIGURATION = 2;
    static final String INVALID_HEADER = "mqtt-replicator: invalid configuration:";

    private static final Logger LOG = Logger.getLogger(StandaloneLauncher.class);

    private StandaloneLauncher() {
    }

    /**
     * @param environment the process environment (System.getenv() in production)
     * @param err         where the problems are printed
     * @param start       runs the replication; called only when the configuration is valid
     * @return the process exit code: {@link #EXIT_OK} or {@link #EXIT_INVALID_CONFIGURATION}
     */
    public static int run(Map<String, String> environment, PrintStream err, Consumer<ReplicationDefinition> start) {
        Result result = MqttrepEnvironment.parse(environment);
        // warnings often explain a problem (a mistyped MQTTREP_TOPCI_a leaves no topic), so they are logged either way
        result.warnings().forEach(LOG::warn);
        if (result instanceof Invalid invalid) {
            err.println(INVALID_HEADER);
            invalid.problems().forEach(err::println);
            err.flush();
            return EXIT_INVALID_CONFIGURATION;
        }
        start.accept(((Valid) result).definition());
        return EXIT_OK;
    }
}

package io.mqttreplicator;

import io.mqttreplicator.operator.OperatorRunner;
import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.standalone.ProcessEnvironment;
import io.mqttreplicator.standalone.StandaloneLauncher;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.inject.Inject;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Runs the front end the runtime mode selects: the operator, or the replication the MQTTREP_*
 * variables describe (which stops with one line per problem when they are wrong). {@link Launcher}
 * starts it.
 */
public class Main implements QuarkusApplication {

    public static final String NOTHING_TO_RUN = "mqtt-replicator: nothing to run: set MQTTREP_* variables (standalone mode), "
            + "or run it in Kubernetes or with a kubeconfig (operator mode); MQTT_REPLICATOR_MODE=operator|standalone chooses explicitly";

    private static final Logger LOG = Logger.getLogger(Main.class);

    @Inject
    ReplicatorConfig config;

    @Inject
    ReplicationManager manager;

    @Inject
    ProcessEnvironment environment;

    @Inject
    OperatorRunner operator;

    @Override
    public int run(String... args) {
        Map<String, String> variables = environment.variables();
        String launcher = variables.get(HeapBound.LAUNCHER_VARIABLE);
        if (launcher != null) {
            LOG.infof("Running in a JVM of its own with %s, as no heap option was given (-Xmx or JDK_JAVA_OPTIONS choose"
                    + " another bound)", HeapBound.DEFAULT_HEAP);
            HeapBound.stopWithLauncher(launcher, () -> {
                LOG.warnf("The launching JVM (process %s) has ended; stopping", launcher);
                Quarkus.asyncExit(1);
            });
        }
        RuntimeMode mode = config.mode().resolve(variables);
        if (mode == RuntimeMode.OPERATOR && config.mode() == RuntimeMode.AUTO
                && !RuntimeMode.kubernetesConfigured(variables, environment.systemProperties())) {
            System.err.println(NOTHING_TO_RUN);
            return StandaloneLauncher.EXIT_INVALID_CONFIGURATION;
        }
        if (mode == RuntimeMode.OPERATOR) {
            operator.start();
        } else {
            LOG.infof("Standalone mode%s", config.mode() == RuntimeMode.AUTO ? " (MQTTREP_* variables are set)" : "");
            int exitCode = StandaloneLauncher.run(variables, System.err, manager::apply);
            if (exitCode != StandaloneLauncher.EXIT_OK) {
                return exitCode;
            }
        }
        Quarkus.waitForExit();
        return 0;
    }
}

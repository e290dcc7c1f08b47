package io.mqttreplicator.operator;

import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import org.jboss.logging.Logger;

/**
 * Starts the operator in operator mode only (quarkus.operator-sdk.start-operator is false), so
 * that standalone mode never contacts a Kubernetes API. In operator mode only the holder of the
 * Lease {@value #LEASE_NAME} (in the operator's namespace) reconciles, so two replicas never run
 * the same replication twice; a replica that loses the Lease exits and is restarted as a standby.
 */
@ApplicationScoped
public class OperatorRunner {

    public static final String LEASE_NAME = "mqtt-replicator-leader";

    private static final Logger LOG = Logger.getLogger(OperatorRunner.class);

    private final Instance<Operator> operator;
    private volatile boolean started;

    OperatorRunner(Instance<Operator> operator) {
        this.operator = operator;
    }

    /** Starts the operator once; later calls do nothing. */
    public synchronized void start() {
        if (!started) {
            LOG.info("Operator mode: watching MqttReplication resources");
            operator.get().start();
            started = true;
        }
    }

    public boolean started() {
        return started;
    }

    /** The operator's runtime information, once started. */
    Operator operator() {
        return operator.get();
    }

    /** Leader election, active in the prod profile (the Quarkus Operator SDK's default). */
    @Produces
    @Singleton
    static LeaderElectionConfiguration leaderElection() {
        // JOSDK 5.3's build() turns off the exit on a lost Lease (fixed upstream by
        // java-operator-sdk#3619): the former leader would go on reconciling beside the new one.
        // With the exit on, Operator.stop() in a shutdown hook deadlocks before JOSDK 5.3.5
        // (java-operator-sdk#3383); nothing here calls it (quarkus.operator-sdk.start-operator=false).
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME).buildForTest(true);
    }

    /** The clock of status timestamps and events. */
    @Produces
    @Singleton
    static Clock clock() {
        return Clock.systemUTC();
    }
}

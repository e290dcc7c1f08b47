package io.mqttreplicator.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.mqttreplicator.replication.ReplicationManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the operator in operator mode only (quarkus.operator-sdk.start-operator is false), so
 * that standalone mode never contacts a Kubernetes API. In operator mode only the holder of the
 * {@link LeaderLease} (in the operator's namespace) reconciles, so two replicas never run the same
 * replication twice; a replica that loses the Lease stops every replication at once and exits, to
 * be restarted as a standby, and a replica that shuts down hands the Lease over. Every replica,
 * holder or not, runs the shared rules ({@link SharedRules}).
 */
@ApplicationScoped
public class OperatorRunner {

    public static final String LEASE_NAME = LeaderLease.NAME;

    private static final Logger LOG = Logger.getLogger(OperatorRunner.class);

    private final Instance<Operator> operator;
    private final SharedRules sharedRules;
    private volatile boolean started;
    private volatile boolean shuttingDown;
    private volatile boolean leaseLost;
    private volatile Candidate candidate;

    /** This replica as a candidate for the Lease: what it needs to hand the Lease over. */
    private record Candidate(ReplicationManager manager, KubernetesClient client, String identity) {
    }

    OperatorRunner(Instance<Operator> operator, SharedRules sharedRules) {
        this.operator = operator;
        this.sharedRules = sharedRules;
    }

    /** Starts the operator, and the shared rules that run on every replica, once; later calls do nothing. */
    public synchronized void start() {
        if (!started) {
            LOG.info("Operator mode: watching MqttReplication resources");
            operator.get().start();
            sharedRules.start();
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
    LeaderElectionConfiguration leaderElection(ReplicationManager manager, KubernetesClient client,
            @ConfigProperty(name = "pod.name") Optional<String> podName,
            @ConfigProperty(name = "hostname") Optional<String> hostname) {
        String identity = LeaderLease.identity(podName, hostname);
        LOG.infof("Leader election: Lease %s, identity %s", LEASE_NAME, identity);
        candidate = new Candidate(manager, client, identity);
        return LeaderLease.DEFAULT.configuration(client, identity, () -> lostLease(manager));
    }

    /**
     * The Java Operator SDK does not stop reconciling when the Lease is lost, and this replica's
     * elector never competes again: stop replicating before another replica may take over, then
     * exit so that Kubernetes restarts the pod as a standby.
     */
    private void lostLease(ReplicationManager manager) {
        if (shuttingDown) {
            return;
        }
        leaseLost = true;
        LOG.errorf("Lost the Lease %s: stopping every replication and exiting", LEASE_NAME);
        manager.stopAll();
        Quarkus.asyncExit(1);
    }

    void onShutdown(@Observes ShutdownEvent event) {
        shuttingDown = true;
        if (started) {
            sharedRules.stop();
        }
        Candidate replica = candidate;
        if (started && replica != null && !leaseLost) {
            LeaderLease.handOver(operator.get(), replica.manager(), replica.client(), replica.identity());
        }
    }

    /** The clock of status timestamps and events. */
    @Produces
    @Singleton
    static Clock clock() {
        return Clock.systemUTC();
    }
}

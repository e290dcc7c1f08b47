package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.mqttreplicator.replication.ReplicationManager;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The Lease {@value #NAME} in the operator's namespace: only the replica holding it reconciles, so
 * two operator pods never run the same replication (they would take each other's broker sessions
 * over, as both derive the same client ids from the resource).
 *
 * <p>The holder renews the Lease every {@code retryPeriod}; when it cannot renew for
 * {@code renewDeadline} it stops replicating. Another replica takes the Lease once it was not
 * renewed for {@code leaseDuration}. As {@code renewDeadline < leaseDuration}, a holder that cannot
 * reach the API server stops before anyone else may start.
 */
public record LeaderLease(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {

    public static final String NAME = "mqtt-replicator-leader";

    private static final Logger LOG = Logger.getLogger(LeaderLease.class);

    /** The Java Operator SDK's timings: 15 s lease, 10 s renew deadline, 2 s retry period. */
    public static final LeaderLease DEFAULT = new LeaderLease(LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
            LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE, LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE);

    public LeaderLease {
        if (renewDeadline.compareTo(leaseDuration) >= 0 || retryPeriod.compareTo(renewDeadline) >= 0) {
            throw new IllegalArgumentException("need retryPeriod < renewDeadline < leaseDuration, got " + retryPeriod
                    + ", " + renewDeadline + ", " + leaseDuration);
        }
    }

    /**
     * The leader election of one replica, whose client is {@code client}. {@code standDown} runs
     * once when this replica held the Lease and must stop replicating: it could not renew the Lease
     * within {@code renewDeadline} (see {@link LeaseWatchdog}), another replica holds it, or the
     * operator was stopped.
     *
     * <p>The Java Operator SDK never exits by itself here: its {@code build()} (5.3.0) switches
     * exit-on-stop-leading off, and switched on it calls {@code System.exit} also during a graceful
     * shutdown, which deadlocks in a JVM shutdown hook. {@code standDown} decides.
     */
    LeaderElectionConfiguration configuration(KubernetesClient client, String identity, Runnable standDown) {
        AtomicBoolean stoodDown = new AtomicBoolean();
        Runnable once = () -> {
            if (stoodDown.compareAndSet(false, true)) {
                standDown.run();
            }
        };
        LeaseWatchdog watchdog = new LeaseWatchdog(client, this, identity, once, Clock.systemUTC());
        Runnable stopLeading = () -> {
            watchdog.stop();
            once.run();
        };
        return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(NAME)
                .withIdentity(identity)
                .withLeaseDuration(leaseDuration)
                .withRenewDeadline(renewDeadline)
                .withRetryPeriod(retryPeriod)
                .withLeaderCallbacks(new LeaderCallbacks(watchdog::start, stopLeading, leader -> { }))
                .build();
    }

    /**
     * Ends this replica's part in leader election when it shuts down: its elector stops (it could
     * otherwise renew or take the Lease again), its replications stop, then it gives the Lease up
     * if it holds it, so that a standby takes over within a retry period instead of waiting for the
     * Lease to expire. The Java Operator SDK never releases it (fabric8's release-on-cancel is off).
     * {@code operator} must not close {@code client} when it stops.
     */
    static void handOver(Operator operator, ReplicationManager manager, KubernetesClient client, String identity) {
        operator.stop();
        manager.stopAll();
        try {
            Lease lease = client.leases().inNamespace(client.getNamespace()).withName(NAME).get();
            if (lease == null || lease.getSpec() == null || !identity.equals(lease.getSpec().getHolderIdentity())) {
                return;
            }
            lease.getSpec().setHolderIdentity(null);
            lease.getSpec().setLeaseDurationSeconds(1);
            // an update, not a patch: it fails if another replica took the Lease since the read
            client.resource(lease).update();
            LOG.infof("Gave the Lease %s up", NAME);
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not give the Lease %s up, a standby takes over when it expires: %s", NAME, e.getMessage());
        }
    }

    /**
     * The name a replica holds the Lease under, shown by {@code kubectl get lease}. Two live
     * replicas must never share it: both would consider themselves the holder. The pod name (env
     * POD_NAME from the downward API) is unique in the namespace. Without it, the host name (which
     * Kubernetes sets to the pod name, but to the node's name under {@code hostNetwork}) gets a
     * random suffix, as client-go does; without either, a random id.
     */
    static String identity(Optional<String> podName, Optional<String> hostname) {
        String random = UUID.randomUUID().toString();
        return podName.filter(name -> !name.isBlank())
                .or(() -> hostname.filter(name -> !name.isBlank()).map(name -> name + "_" + random))
                .orElse(random);
    }
}

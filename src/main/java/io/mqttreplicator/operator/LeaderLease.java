package io.mqttreplicator.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

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
     * The name a replica holds the Lease under, shown by {@code kubectl get lease}: the pod name
     * (env POD_NAME from the downward API), else the host name, which Kubernetes sets to the pod
     * name unless the pod uses the host's network, else a random id. Two live replicas must never
     * share it: both would consider themselves the holder.
     */
    static String identity(Optional<String> podName, Optional<String> hostname) {
        return podName.filter(name -> !name.isBlank())
                .or(() -> hostname.filter(name -> !name.isBlank()))
                .orElseGet(() -> UUID.randomUUID().toString());
    }
}

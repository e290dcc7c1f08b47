package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Makes the Lease holder stand down in time when it cannot renew, whatever its API requests do.
 *
 * <p>fabric8's LeaderElector checks its renew deadline only between two renewals, and one renewal
 * (a GET and a PATCH, each retried with backoff by the client) can hang for longer than the Lease
 * lasts: a holder cut off from the API server went on replicating for seconds after another
 * replica had taken the Lease. The watchdog reads the Lease every retry period and, on its own
 * thread, stands down once {@code renewDeadline} has passed since the last renewal it saw, or at
 * once when the Lease names another holder. The renewal time it compares with was written by this
 * replica, so the check uses a single clock.
 */
final class LeaseWatchdog {

    private static final Logger LOG = Logger.getLogger(LeaseWatchdog.class);

    private final KubernetesClient client;
    private final LeaderLease lease;
    private final String identity;
    private final Runnable standDown;
    private final Clock clock;
    private final AtomicBoolean fired = new AtomicBoolean();
    private ScheduledExecutorService reader;
    private ScheduledExecutorService checker;
    private volatile Instant lastRenewalSeen;

    LeaseWatchdog(KubernetesClient client, LeaderLease lease, String identity, Runnable standDown, Clock clock) {
        this.client = client;
        this.lease = lease;
        this.identity = identity;
        this.standDown = standDown;
        this.clock = clock;
    }

    /** This replica has just taken the Lease. */
    synchronized void start() {
        if (reader != null) {
            return;
        }
        lastRenewalSeen = clock.instant();
        reader = Executors.newSingleThreadScheduledExecutor(daemon("lease-reader"));
        checker = Executors.newSingleThreadScheduledExecutor(daemon("lease-deadline"));
        long period = lease.retryPeriod().toMillis();
        reader.scheduleWithFixedDelay(this::readLease, 0, period, TimeUnit.MILLISECONDS);
        checker.scheduleAtFixedRate(this::checkDeadline, period, Math.max(1, period / 4), TimeUnit.MILLISECONDS);
    }

    synchronized void stop() {
        if (reader != null) {
            reader.shutdownNow();
            checker.shutdownNow();
        }
    }

    private void readLease() {
        try {
            Lease current = client.leases().inNamespace(client.getNamespace()).withName(LeaderLease.NAME).get();
            if (current == null || current.getSpec() == null || !identity.equals(current.getSpec().getHolderIdentity())) {
                LOG.errorf("The Lease %s names another holder: standing down", LeaderLease.NAME);
                fire();
            } else if (current.getSpec().getRenewTime() != null) {
                lastRenewalSeen = current.getSpec().getRenewTime().toInstant();
            }
        } catch (RuntimeException e) {
            LOG.debugf("Reading the Lease %s failed: %s", LeaderLease.NAME, e.getMessage());
        }
    }

    private void checkDeadline() {
        if (clock.instant().isAfter(lastRenewalSeen.plus(lease.renewDeadline()))) {
            LOG.errorf("The Lease %s was not renewed since %s: standing down", LeaderLease.NAME, lastRenewalSeen);
            fire();
        }
    }

    private void fire() {
        if (fired.compareAndSet(false, true)) {
            standDown.run();
            stop();
        }
    }

    private static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}

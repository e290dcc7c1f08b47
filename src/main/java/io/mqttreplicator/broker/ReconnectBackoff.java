package io.mqttreplicator.broker;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delays between connection attempts: exponential from the configured delay, capped, with ±20 %
 * jitter so that many channels do not reconnect in step. A refused connection (bad credentials)
 * starts from {@link #REFUSED_FLOOR}: retrying faster cannot help.
 */
final class ReconnectBackoff {

    static final Duration CAP = Duration.ofSeconds(30);
    static final Duration FLOOR = Duration.ofMillis(100);
    static final Duration REFUSED_FLOOR = Duration.ofSeconds(5);

    private final long initialMillis;
    private final int addresses;
    private int failures;

    ReconnectBackoff(Duration initial, int addresses) {
        this.initialMillis = Math.max(initial.toMillis(), FLOOR.toMillis());
        this.addresses = Math.max(addresses, 1);
    }

    /**
     * The delay before the next attempt. With several addresses the delay grows once per round
     * through all of them, so a dead first address does not slow down reaching the second.
     */
    long nextDelayMillis(boolean refused) {
        long base = refused ? Math.max(initialMillis, REFUSED_FLOOR.toMillis()) : initialMillis;
        int doublings = Math.min(failures / addresses, 20);
        failures++;
        long delay = Math.min(base << doublings, CAP.toMillis());
        double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
        return Math.max((long) (delay * jitter), FLOOR.toMillis());
    }

    void reset() {
        failures = 0;
    }
}

package io.mqttreplicator.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * How a {@link ReplicationEngine} runs, apart from what it replicates. Start from
 * {@link #defaults()} and replace what differs.
 *
 * @param nanoTime             monotonic time in nanoseconds (TTL, echo expiry, latencies)
 * @param scheduler            runs the merge ticks; null: the engine starts a daemon thread of its
 *                             own and stops it on close (a given scheduler is left running)
 * @param random               used by the {@code random} merge algorithm, from the tick thread only
 * @param maxInFlightPerSource stream mode: messages taken from one broker and not yet acknowledged
 * @param listener             receives the counters and gauges
 * @param echoExpiry           how long an expected echo is waited for
 * @param tombstoneRetention   how long a deletion that converged everywhere is remembered without
 *                             traffic on its topic (rules with a TTL forget it after the TTL)
 */
public record EngineOptions(
        LongSupplier nanoTime,
        ScheduledExecutorService scheduler,
        RandomGenerator random,
        int maxInFlightPerSource,
        EngineListener listener,
        Duration echoExpiry,
        Duration tombstoneRetention) {

    public EngineOptions {
        Objects.requireNonNull(nanoTime, "nanoTime");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(echoExpiry, "echoExpiry");
        Objects.requireNonNull(tombstoneRetention, "tombstoneRetention");
        if (maxInFlightPerSource < 1) {
            throw new IllegalArgumentException("maxInFlightPerSource must be at least 1: " + maxInFlightPerSource);
        }
        if (echoExpiry.isNegative() || echoExpiry.isZero()) {
            throw new IllegalArgumentException("echoExpiry must be positive: " + echoExpiry);
        }
    }

    /** System time, an own scheduler thread, 1000 messages in flight per source, echoes awaited 60 s, tombstones kept 1 h. */
    public static EngineOptions defaults() {
        return new EngineOptions(System::nanoTime, null, new SplittableRandom(), 1000, EngineListener.NONE,
                Duration.ofSeconds(60), Duration.ofHours(1));
    }

    public EngineOptions withNanoTime(LongSupplier nanoTime) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }

    public EngineOptions withScheduler(ScheduledExecutorService scheduler) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }

    public EngineOptions withRandom(RandomGenerator random) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }

    public EngineOptions withMaxInFlightPerSource(int maxInFlightPerSource) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }

    public EngineOptions withListener(EngineListener listener) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }

    public EngineOptions withEchoExpiry(Duration echoExpiry) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }

    public EngineOptions withTombstoneRetention(Duration tombstoneRetention) {
        return new EngineOptions(nanoTime, scheduler, random, maxInFlightPerSource, listener, echoExpiry, tombstoneRetention);
    }
}

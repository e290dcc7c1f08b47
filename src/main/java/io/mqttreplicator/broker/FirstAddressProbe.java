package io.mqttreplicator.broker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * For {@code roundRobin: false}: while a channel works on a later address, checks now and then
 * whether its first address accepts TCP connections again, as a Mosquitto bridge with
 * {@code round_robin false} does. Only a TCP connect, closed at once: the working MQTT connection
 * stays until the channel decides to switch.
 * <p>
 * The host name is resolved again for every check (a new, unresolved-until-connect address each
 * time), so a changed DNS record is seen; the JVM's own DNS cache still applies
 * ({@code networkaddress.cache.ttl}, 30 s by default).
 */
final class FirstAddressProbe {

    /** A check never waits longer than this, whatever the connect timeout: it only asks "is it back?". */
    static final Duration MAX_CHECK_TIMEOUT = Duration.ofSeconds(5);

    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final ScheduledExecutorService CHECKS = Executors.newScheduledThreadPool(2, task -> {
        Thread thread = new Thread(task, "mqtt-first-address-probe-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private final BrokerAddress address;
    private final int timeoutMillis;
    private ScheduledFuture<?> next; // guarded by this
    /** Counts starts and stops: a check still running from an earlier start must not act. */
    private long generation; // guarded by this

    FirstAddressProbe(BrokerAddress address, Duration connectTimeout) {
        this.address = address;
        this.timeoutMillis = (int) Math.max(1, Math.min(connectTimeout.toMillis(), MAX_CHECK_TIMEOUT.toMillis()));
    }

    /**
     * Checks every {@code interval} until the address accepts a connection, then calls
     * {@code onReachable} once (on a probe thread) and stops. Replaces a probe already running.
     */
    synchronized void start(Duration interval, Runnable onReachable) {
        stop();
        schedule(generation, Math.max(interval.toMillis(), ReconnectBackoff.FLOOR.toMillis()), onReachable);
    }

    synchronized void stop() {
        generation++;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
    }

    private synchronized void schedule(long started, long intervalMillis, Runnable onReachable) {
        if (generation != started) {
            return;
        }
        next = CHECKS.schedule(() -> {
            if (accepts(address, timeoutMillis)) {
                synchronized (this) {
                    if (generation != started) {
                        return;
                    }
                    generation++;
                    next = null;
                }
                onReachable.run();
            } else {
                schedule(started, intervalMillis, onReachable);
            }
        }, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** Whether a TCP connection to the address succeeds within the timeout. */
    static boolean accepts(BrokerAddress address, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.host(), address.port()), timeoutMillis);
            return true;
        } catch (IOException | IllegalArgumentException | SecurityException unreachable) {
            return false;
        }
    }
}

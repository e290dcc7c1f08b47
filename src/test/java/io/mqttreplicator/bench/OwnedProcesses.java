package io.mqttreplicator.bench;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The processes this benchmark started, and nothing else: stopped by their {@link Process} handle when they are
 * closed and, whatever is left, by a shutdown hook when the benchmark exits (normally, by exception or by Ctrl-C).
 */
final class OwnedProcesses {

    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(OwnedProcesses::stopAll, "bench-cleanup"));
    }

    private OwnedProcesses() {
    }

    static Process register(Process process) {
        RUNNING.add(process);
        return process;
    }

    /** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
    static void stop(Process process, Duration grace) {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(process);
        }
    }

    private static void stopAll() {
        for (Process process : Set.copyOf(RUNNING)) {
            stop(process, Duration.ofSeconds(5));
        }
    }
}

package io.mqttreplicator.bench;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import io.mqttreplicator.testing.TcpProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Faults under a steady QoS 1 stream, with figures: the packaged replicator (stream rule {@code fault/#}
 * from A to B, persistent sessions) while {@code --rate} msg/s are published on A, and one fault for
 * {@code --down}: B stopped (SIGTERM, persistence on) and started again; the replicator killed (SIGKILL)
 * and started again; or the link to B blackholed through a {@link TcpProxy} and healed. Per fault it
 * prints messages sent, lost, duplicates, the time from the end of the fault until B had every message
 * sent before that end (the backlog caught up) and until the last message arrived, and the
 * replicator's RSS (sampled every second: peak and final).
 * <p>
 * While B is away the replicator stops taking messages from A (backpressure), so A holds the backlog
 * in the replicator's session: {@code max_queued_messages} on A is set above everything the run
 * publishes (Mosquitto's default, 1000, would drop the rest).
 * <p>
 * The burst faults publish {@code --burst} messages open loop instead (as fast as A takes them, never
 * waiting for the replication), so that A's queue for the replicator passes 65,535 and Mosquitto
 * reuses packet identifiers still in flight: {@code burst} alone, and {@code burst-kill}, the
 * replicator killed (SIGKILL) once a third of the burst is on B and started again after {@code --down}.
 * Not part of the test run: {@code bench/faults --help}.
 */
public final class FaultBenchmark {

    private static final String USAGE = """
            FaultBenchmark: faults under a steady QoS 1 stream through the packaged replicator.
              --faults LIST     target-down, replicator-kill, blackhole, burst, burst-kill (default target-down)
              --burst N         messages of the burst faults, published open loop (default 300000)
              --down DURATION   how long each fault lasts, e.g. 120s, 20s, 2m (default 120s)
              --rate N          messages per second published on A (default 2000)
              --before DURATION publishing before the fault (default 10s)
              --after DURATION  publishing after the fault (default 10s)
              --queue-limit N   max_queued_messages of the source A (default: everything the run publishes, plus 10,000);
                                B always holds everything, so that losses are the source's
              --jar PATH        product jar (default target/quarkus-app/quarkus-run.jar)
              --jvm OPTIONS     JVM options of the replicator, space separated (default none)
            """;

    private FaultBenchmark() {
    }

    /** What one fault did. */
    record Figures(String fault, int sent, int acknowledgedBySource, int lost, long duplicates, double catchUpSeconds,
            double recoverySeconds, double peakRssMiB, double finalRssMiB, long queueLimit) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        if (options.containsKey("help")) {
            System.out.print(USAGE);
            return;
        }
        List<String> faults = Arrays.asList(options.getOrDefault("faults", "target-down").split(","));
        Duration down = duration(options.getOrDefault("down", "120s"));
        int rate = Integer.parseInt(options.getOrDefault("rate", "2000"));
        Duration before = duration(options.getOrDefault("before", "10s"));
        Duration after = duration(options.getOrDefault("after", "10s"));
        Path jar = Paths.get(options.getOrDefault("jar", "target/quarkus-app/quarkus-run.jar"));
        List<String> jvm = options.containsKey("jvm") ? List.of(options.get("jvm").trim().split("\\s+")) : List.of();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build it with ./mvnw package -DskipTests");
        }
        System.out.printf(Locale.ROOT, "%d CPUs, load average %s, %s; %d msg/s, each fault lasts %d s%n",
                Runtime.getRuntime().availableProcessors(), Machine.loadAverage(), Instant.now(), rate, down.toSeconds());
        long queueLimit = options.containsKey("queue-limit") ? Long.parseLong(options.get("queue-limit"))
                : rate * (before.toSeconds() + down.toSeconds() + after.toSeconds()) + 10_000L;
        int burst = Integer.parseInt(options.getOrDefault("burst", "300000"));
        List<Figures> results = new ArrayList<>();
        for (String fault : faults) {
            boolean isBurst = fault.trim().startsWith("burst");
            Figures figures = run(fault.trim(), down, isBurst ? 0 : rate, before, after,
                    isBurst ? Math.max(queueLimit, burst + 10_000L) : queueLimit, isBurst ? burst : 0, jar, jvm);
            results.add(figures);
            print(figures);
        }
        System.out.println();
        System.out.println("| fault | sent | lost | duplicates | backlog caught up | last message | replicator RSS peak / final | A max_queued_messages |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Figures f : results) {
            System.out.printf(Locale.ROOT, "| %s | %,d | %,d | %,d | %s | %.1f s | %.0f / %.0f MiB | %,d |%n", f.fault(), f.sent(),
                    f.lost(), f.duplicates(), seconds(f.catchUpSeconds()), f.recoverySeconds(), f.peakRssMiB(), f.finalRssMiB(),
                    f.queueLimit());
        }
        // the HiveMQ client's Netty threads would keep exec:java waiting; the shutdown hook stops our processes
        System.exit(0);
    }

    /** {@code burst}: the messages of an open-loop burst (rate 0), else 0 and {@code rate} msg/s for the durations. */
    private static Figures run(String fault, Duration down, int rate, Duration before, Duration after, long queueLimit,
            int burst, Path jar, List<String> jvm) throws Exception {
        if (!List.of("target-down", "replicator-kill", "blackhole", "burst", "burst-kill").contains(fault)) {
            throw new IllegalArgumentException("unknown fault " + fault + "\n" + USAGE);
        }
        int count = burst > 0 ? burst : (int) (rate * (before.toSeconds() + down.toSeconds() + after.toSeconds()));
        String everything = "max_queued_messages " + (count + 10_000L);
        Path directory = Files.createDirectories(Paths.get("target", "bench-faults"));
        try (MosquittoBroker a = MosquittoBroker.builder().name("fault-a")
                        .config("max_queued_messages " + queueLimit, "max_queued_bytes 0").start();
                MosquittoBroker b = MosquittoBroker.builder().name("fault-b").persistence(true)
                        .config(everything, "max_queued_bytes 0").start();
                TcpProxy linkToB = TcpProxy.start(b.port());
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "fault-recorder", "fault/#", count)) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("MQTTREP_CLIENT_a", a.url());
            env.put("MQTTREP_CLIENT_b", linkToB.url());
            env.put("MQTTREP_CONFIG_b", "{\"keepalive\": 5, \"connectTimeout\": 3000, \"reconnectPeriod\": 500}");
            env.put("MQTTREP_TOPIC_f", "fault/#");
            env.put("MQTTREP_MODE_f", "stream");
            env.put("MQTTREP_SUBSCRIBE_WHITELIST_f", "a");
            AtomicReference<ReplicatorProcess> replicator = new AtomicReference<>(
                    ReplicatorProcess.start(javaExecutable(), jar, jvm, env, directory.resolve(fault + "-replicator.log")));
            RssSampler rss = new RssSampler(() -> replicator.get().pid());
            try {
                awaitReplicating(a, onB);
                rss.start();
                try (SequencePublisher publisher = SequencePublisher.start(a.port(), "fault/seq", count, 1000, rate)) {
                    if (burst > 0) {
                        while (onB.distinct() < count / 3 && !publisher.finished()) {
                            sleep(Duration.ofMillis(10));
                        }
                    } else {
                        sleep(before);
                    }
                    System.out.printf(Locale.ROOT, "%s: fault starts after %,d messages sent, %,d arrived on B%n", fault,
                            publisher.sent(), onB.distinct());
                    switch (fault) {
                        case "target-down" -> b.stop();
                        case "replicator-kill", "burst-kill" -> replicator.get().kill();
                        case "blackhole" -> linkToB.blackhole();
                        default -> { } // burst: the burst is the fault
                    }
                    if (!fault.equals("burst")) {
                        sleep(down);
                    }
                    switch (fault) {
                        case "target-down" -> b.restart();
                        case "replicator-kill", "burst-kill" -> replicator.set(ReplicatorProcess.start(javaExecutable(), jar,
                                jvm, env, directory.resolve(fault + "-replicator-restarted.log")));
                        case "blackhole" -> linkToB.heal();
                        default -> { }
                    }
                    long healed = System.nanoTime();
                    int sentAtHeal = publisher.sent();
                    System.out.printf(Locale.ROOT, "%s: fault ends after %,d messages sent, %,d arrived on B%n", fault,
                            sentAtHeal, onB.distinct());
                    double catchUp = Double.NaN;
                    long deadline = healed + Duration.ofMinutes(10).toNanos();
                    int lastDistinct = -1;
                    long lastProgress = System.nanoTime();
                    while (onB.distinct() < count && System.nanoTime() < deadline) {
                        int distinct = onB.distinct();
                        if (Double.isNaN(catchUp) && distinct >= sentAtHeal) {
                            catchUp = (System.nanoTime() - healed) / 1e9;
                        }
                        if (distinct != lastDistinct) {
                            lastDistinct = distinct;
                            lastProgress = System.nanoTime();
                        } else if (publisher.finished() && System.nanoTime() - lastProgress > Duration.ofSeconds(60).toNanos()) {
                            break; // nothing arrived for a minute after the last publish: the rest is lost
                        }
                        sleep(Duration.ofMillis(100));
                    }
                    double recovery = (System.nanoTime() - healed) / 1e9;
                    if (Double.isNaN(catchUp) && onB.distinct() >= sentAtHeal) {
                        catchUp = recovery;
                    }
                    rss.stop();
                    return new Figures(fault, publisher.sent(), publisher.acknowledged(), count - onB.distinct(),
                            onB.duplicates(), catchUp, recovery, rss.peakMiB(), rss.lastMiB(), queueLimit);
                }
            } finally {
                rss.stop();
                replicator.get().close();
            }
        }
    }

    private static void print(Figures f) {
        System.out.printf(Locale.ROOT, "%s: sent %,d (acknowledged by A %,d), lost %,d, duplicates %,d; after the fault ended,"
                + " the backlog was on B in %s and the last message in %.1f s; replicator RSS peak %.0f MiB, final %.0f MiB"
                + " (A max_queued_messages %,d)%n", f.fault(), f.sent(), f.acknowledgedBySource(), f.lost(), f.duplicates(),
                seconds(f.catchUpSeconds()), f.recoverySeconds(), f.peakRssMiB(), f.finalRssMiB(), f.queueLimit());
    }

    private static String seconds(double seconds) {
        return Double.isNaN(seconds) ? "never" : String.format(Locale.ROOT, "%.1f s", seconds);
    }

    /** Publishes a probe until the replicator has carried one to B. */
    private static void awaitReplicating(MosquittoBroker a, SequenceRecorder onB) {
        try (io.mqttreplicator.testing.TestMqttClient onA = io.mqttreplicator.testing.TestMqttClient.connect(a.port())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (onB.foreign() == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the replicator did not start replicating within 60 s");
                }
                onA.publish("fault/probe", "probe", 1, false);
                sleep(Duration.ofMillis(250));
            }
        }
    }

    /** The replicator's RSS every second, from /proc, across restarts. */
    private static final class RssSampler {
        private final java.util.function.LongSupplier pid;
        private volatile boolean running;
        private volatile double peak = Double.NaN;
        private volatile double last = Double.NaN;
        private Thread thread;

        RssSampler(java.util.function.LongSupplier pid) {
            this.pid = pid;
        }

        void start() {
            running = true;
            thread = new Thread(() -> {
                while (running) {
                    double rss = ProcessStats.rssMiB(pid.getAsLong());
                    if (!Double.isNaN(rss)) {
                        last = rss;
                        peak = Double.isNaN(peak) ? rss : Math.max(peak, rss);
                    }
                    Sleep.millis(1000);
                }
            }, "rss-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void stop() {
            running = false;
        }

        double peakMiB() {
            return peak;
        }

        double lastMiB() {
            return last;
        }
    }

    private static String javaExecutable() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void sleep(Duration duration) {
        Sleep.millis(duration.toMillis());
    }

    static Duration duration(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
        }
        if (value.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(value.endsWith("s") ? value.substring(0, value.length() - 1) : value));
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + arg + "\n" + USAGE);
            }
            String name = arg.substring(2);
            int equals = name.indexOf('=');
            if (equals >= 0) {
                options.put(name.substring(0, equals), name.substring(equals + 1));
            } else if (name.equals("help")) {
                options.put(name, "");
            } else if (i + 1 < args.length) {
                options.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + USAGE);
            }
        }
        return options;
    }
}

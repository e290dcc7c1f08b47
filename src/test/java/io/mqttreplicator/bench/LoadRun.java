package io.mqttreplicator.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One run: fresh brokers and link, subscriber on the target, probes until the link carries messages, warmup, then
 * the measured load; it ends when everything arrived, when nothing arrived for the idle timeout after publishing, or
 * at the run timeout, and then reports what it saw.
 */
final class LoadRun {

    private static final Duration SETTLE = Duration.ofMillis(500);
    private static final long POLL_MILLIS = 10;
    private static final String DROPPED = "Outgoing messages are being dropped for client ";

    private final BenchOptions options;

    LoadRun(BenchOptions options) {
        this.options = options;
    }

    RunResult run(Load load, String setupName, int repetition, Path runDir, Function<Path, Setup> starter) {
        String tag = load.name() + "-" + setupName + "-" + repetition;
        Setup setup = null;
        Receiver receiver = null;
        LoadGenerator generator = null;
        try {
            Files.createDirectories(runDir);
            long startNanos = System.nanoTime();
            setup = starter.apply(runDir);
            receiver = Receiver.subscribe("bench-sub-" + tag, setup.targetPort(), load.subscriptionFilter(),
                    load.qos(), load.messages());
            generator = LoadGenerator.connect("bench-pub-" + tag, setup.sourcePort(), options.inflight(),
                    options.payloadBytes(), options.idleTimeout());
            receiver.onArrival(generator::arrived);

            Setup linked = setup;
            if (!generator.probe(load.probeTopic(), receiver::probeSeen, () -> !linked.linkAlive(), options.readyTimeout())) {
                String why = setup.linkAlive() ? "link not up after " + options.readyTimeout().toSeconds() + " s"
                        : "link process gone";
                return RunResult.failed(load, setupName, repetition, why + " (" + setup.diagnostics() + ")");
            }
            double readySeconds = (System.nanoTime() - startNanos) / 1e9;
            if (!load.isState() && options.warmup() > 0) {
                warmUp(load, generator, receiver, setup);
            }
            long replicator = setup.replicatorPid().orElse(-1);
            long bench = ProcessHandle.current().pid();
            Map<String, Double> threadsBefore = replicator < 0 ? Map.of() : ThreadCpu.byGroup(replicator);
            Map<String, Double> benchThreadsBefore = ThreadCpu.byGroup(bench);
            RunResult result = measure(load, setupName, repetition, setup, receiver, generator, readySeconds);
            String drops = brokerDrops(runDir);
            if (!drops.isEmpty()) {
                result = result.withProblem(join(result.problem(), drops));
            }
            System.out.println("[" + tag + "] bench CPU by thread: "
                    + ThreadCpu.describe(ThreadCpu.difference(ThreadCpu.byGroup(bench), benchThreadsBefore), 0.05));
            if (replicator >= 0) {
                String threads = ThreadCpu.describe(ThreadCpu.difference(ThreadCpu.byGroup(replicator), threadsBefore), 0.05);
                Files.writeString(runDir.resolve("replicator-threads.txt"), threads + System.lineSeparator());
                System.out.println("[" + tag + "] replicator CPU by thread: " + threads);
            }
            return result;
        } catch (Exception e) {
            String where = setup == null ? "" : " (" + setup.diagnostics() + ")";
            return RunResult.failed(load, setupName, repetition, e.getClass().getSimpleName() + ": " + e.getMessage() + where);
        } finally {
            if (generator != null) {
                generator.close();
            }
            if (receiver != null) {
                receiver.close();
            }
            if (setup != null) {
                setup.close();
            }
        }
    }

    private void warmUp(Load load, LoadGenerator generator, Receiver receiver, Setup setup) {
        long deadline = System.nanoTime() + options.runTimeout().toNanos();
        LoadGenerator.Outcome outcome = generator.publish(load, BenchPayload.Kind.WARMUP, options.warmup(),
                options.backlog(), deadline);
        long lastCount = -1;
        long lastChange = System.nanoTime();
        long quiet = Duration.ofSeconds(3).toNanos();
        while (receiver.warmups() < outcome.published() && System.nanoTime() < deadline && setup.linkAlive()) {
            long count = receiver.warmups();
            if (count != lastCount) {
                lastCount = count;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > quiet) {
                break;
            }
            Sleep.millis(POLL_MILLIS);
        }
    }

    private RunResult measure(Load load, String setupName, int repetition, Setup setup, Receiver receiver,
                              LoadGenerator generator, double readySeconds) {
        Map<String, Long> pids = new LinkedHashMap<>(setup.measuredProcesses());
        pids.put("bench", ProcessHandle.current().pid()); // the publisher and the receiver
        Map<String, List<Long>> processes = ProcessStats.trees(pids);
        int backlog = load.isState() ? options.stateBacklog() : options.backlog();
        long deadline = System.nanoTime() + options.runTimeout().toNanos();
        long replicator = setup.replicatorPid().orElse(-1);
        double gcBefore = replicator < 0 || !"R".equals(setup.name()) ? Double.NaN : ProcessStats.gcSeconds(replicator);
        Map<String, Double> cpuBefore = ProcessStats.cpuSeconds(processes);
        Map<String, Double> cpuAtLastArrival = cpuBefore;

        ExecutorService publisherThread = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "bench-publisher");
            thread.setDaemon(true);
            return thread;
        });
        try {
            CompletableFuture<LoadGenerator.Outcome> publishing = CompletableFuture.supplyAsync(
                    () -> generator.publish(load, BenchPayload.Kind.LOAD, load.messages(), backlog, deadline),
                    publisherThread);
            int lastCount = 0;
            long lastChange = System.nanoTime();
            long publishedAt = 0;
            String problem = null;
            while (true) {
                int count = receiver.delivered();
                long now = System.nanoTime();
                if (count != lastCount) {
                    lastCount = count;
                    lastChange = now;
                    cpuAtLastArrival = ProcessStats.cpuSeconds(processes);
                }
                if (publishing.isDone()) {
                    publishedAt = publishedAt == 0 ? now : publishedAt;
                    if (count >= publishing.join().published()) {
                        break;
                    }
                    // the idle timeout counts from the last arrival, but never from before publishing ended
                    if (now - Math.max(lastChange, publishedAt) > options.idleTimeout().toNanos()) {
                        problem = "nothing arrived for " + options.idleTimeout().toSeconds() + " s";
                        break;
                    }
                }
                if (now > deadline) {
                    problem = "run timeout " + options.runTimeout().toSeconds() + " s";
                    break;
                }
                if (!setup.linkAlive()) {
                    problem = "link died (" + setup.diagnostics() + ")";
                    break;
                }
                Sleep.millis(POLL_MILLIS);
            }
            LoadGenerator.Outcome outcome = publishing.getNow(null);
            if (outcome == null) {
                outcome = generator.progress("still publishing when the run ended");
                publisherThread.shutdownNow();
            }
            if (outcome.stalled() != null) {
                problem = join(problem, "publisher: " + outcome.stalled());
            }
            if (outcome.failed() > 0) {
                problem = join(problem, outcome.failed() + " publishes failed");
            }
            Sleep.millis(SETTLE.toMillis()); // late duplicates still count
            Receiver.Snapshot seen = receiver.snapshot();
            double seconds = seen.delivered() == 0 ? Double.NaN : (seen.lastReceiveNanos() - outcome.firstSendNanos()) / 1e9;
            double gc = Double.isNaN(gcBefore) ? Double.NaN : ProcessStats.gcSeconds(replicator) - gcBefore;
            return new RunResult(load, setupName, repetition, outcome.published(), seen.delivered(), seen.duplicates(),
                    seen.reordered(), seconds, (outcome.doneNanos() - outcome.firstSendNanos()) / 1e9,
                    seen.percentileMillis(0.50), seen.percentileMillis(0.99), seen.maxMillis(),
                    difference(cpuAtLastArrival, cpuBefore),
                    replicator < 0 ? Double.NaN : ProcessStats.rssMiB(replicator),
                    replicator < 0 ? Double.NaN : ProcessStats.peakRssMiB(replicator),
                    gc, readySeconds, problem);
        } finally {
            publisherThread.shutdownNow();
        }
    }

    private static Map<String, Double> difference(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> used = new LinkedHashMap<>();
        after.forEach((name, seconds) -> used.put(name, seconds - before.getOrDefault(name, Double.NaN)));
        return used;
    }

    /**
     * What the brokers of the run logged about dropping messages for a client that did not take them fast enough
     * (Mosquitto drops beyond {@code max_queued_messages} and says so once per episode), e.g. the link's echoes.
     */
    private static String brokerDrops(Path runDir) throws IOException {
        List<String> drops = new ArrayList<>();
        try (Stream<Path> files = Files.list(runDir)) {
            for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
                String broker = log.getFileName().toString().replace(".log", "");
                try (Stream<String> lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
                    lines.filter(line -> line.contains(DROPPED))
                            .map(line -> line.substring(line.indexOf(DROPPED) + DROPPED.length()).replaceAll("\\.$", ""))
                            .forEach(client -> drops.add(broker + " dropped outgoing messages for " + client));
                }
            }
        }
        return String.join("; ", drops.stream().distinct().toList());
    }

    private static String join(String first, String second) {
        return first == null ? second : first + "; " + second;
    }
}

package io.mqttreplicator.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** Prints each run as it ends, and at the end markdown tables: medians, spreads and the R/M and R/N ratios. */
final class Report {

    private final Map<String, Load> loads = new LinkedHashMap<>();
    private final Map<String, Map<String, List<RunResult>>> results = new LinkedHashMap<>();

    void add(RunResult result) {
        loads.putIfAbsent(result.load().name(), result.load());
        results.computeIfAbsent(result.load().name(), k -> new LinkedHashMap<>())
                .computeIfAbsent(result.setup(), k -> new ArrayList<>())
                .add(result);
    }

    static String describe(RunResult r) {
        if (r.published() == 0 && r.problem() != null) {
            return String.format(Locale.ROOT, "[%s %s #%d] FAILED: %s", r.load().name(), r.setup(), r.repetition(), r.problem());
        }
        String memory = (Double.isNaN(r.rssMiB()) ? ""
                : String.format(Locale.ROOT, " | RSS %.0f MiB (peak %.0f)", r.rssMiB(), r.peakRssMiB()))
                + (Double.isNaN(r.gcSeconds()) ? "" : String.format(Locale.ROOT, " | GC %.2f s", r.gcSeconds()));
        return String.format(Locale.ROOT,
                "[%s %s #%d] delivered %d/%d lost %d dup %d reordered %d | %s msg/s in %.2f s"
                        + " | latency p50 %s p99 %s max %s ms | CPU s %s%s | link up after %.1f s%s",
                r.load().name(), r.setup(), r.repetition(), r.delivered(), r.published(), r.lost(), r.duplicates(),
                r.reordered(), number(r.messagesPerSecond(), 0), r.seconds(), millis(r.p50Millis()),
                millis(r.p99Millis()), millis(r.maxMillis()), cpu(r.cpuSeconds()), memory, r.readySeconds(),
                r.problem() == null ? "" : " | PROBLEM: " + r.problem());
    }

    String summary(Machine machine, BenchOptions options, String loadBefore, String loadAfter) {
        StringBuilder out = new StringBuilder();
        out.append("\n## Replication benchmark: replicator (R) vs Mosquitto bridge (M)")
                .append(options.runsReference() ? " and Node.js MQTT_Replicator (N)\n\n" : "\n\n");
        out.append(String.format(Locale.ROOT, "Machine: %d CPUs, %s RAM; %s; %s%s; CLK_TCK %d; load average %s before, %s after.%n",
                machine.cpus(), machine.memory(), machine.java(), machine.mosquitto(),
                machine.node().isEmpty() ? "" : "; node " + machine.node(), machine.clockTicks(), loadBefore, loadAfter));
        out.append(String.format(Locale.ROOT,
                "Settings: %d run(s) per load and setup (median [min-max]); %d B payload; publisher in-flight %d,"
                        + " backlog %d (state %d); %d warmup msgs before each stream load; every broker"
                        + " max_inflight_messages %d, max_queued_messages %d; %s sessions; jar %s%s.%n",
                options.repeats(), options.payloadBytes(), options.inflight(), options.backlog(), options.stateBacklog(),
                options.warmup(), options.brokerLimits().maxInflightMessages(),
                options.brokerLimits().maxQueuedMessages(), options.persistentSessions() ? "persistent" : "clean",
                options.runsReplicator() ? options.jar().toAbsolutePath() : "(not run)",
                options.runsReference() ? "; reference " + ReferenceSetup.entryPoint(options.reference()) : ""));

        List<String> streamLoads = loads.keySet().stream().filter(n -> !loads.get(n).isState()).toList();
        if (!streamLoads.isEmpty()) {
            out.append("\n### Stream: publish on A, subscribe on B\n\n");
            out.append("| load | setup | delivered | lost (worst) | dup (worst) | msgs/s | p50 ms | p99 ms | max ms (worst) | link CPU µs/msg | replicator GC s | CPU s | replicator RSS / peak MiB |\n");
            out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (String name : streamLoads) {
                for (Map.Entry<String, List<RunResult>> setup : results.get(name).entrySet()) {
                    out.append(row(loads.get(name).description(), setup.getKey(), setup.getValue()));
                }
            }
            if (streamLoads.stream().anyMatch(n -> results.get(n).containsKey("R") && results.get(n).containsKey("M"))) {
                out.append("\n| load | R/M msgs/s | R/M p99 |\n|---|---|---|\n");
                for (String name : streamLoads) {
                    List<RunResult> r = results.get(name).get("R");
                    List<RunResult> m = results.get(name).get("M");
                    if (r != null && m != null) {
                        out.append(String.format(Locale.ROOT, "| %s | %s | %s |%n", loads.get(name).description(),
                                number(median(r, RunResult::messagesPerSecond) / median(m, RunResult::messagesPerSecond), 2),
                                number(median(r, RunResult::p99Millis) / median(m, RunResult::p99Millis), 2)));
                    }
                }
            }
        }
        for (String name : loads.keySet().stream().filter(n -> loads.get(n).isState()).toList()) {
            out.append("\n### State: ").append(loads.get(name).description())
                    .append(", published once on A, all topics awaited on B\n\n");
            out.append("| setup | delivered | lost (worst) | dup (worst) | time s | publishing s | after last publish s | topics/s | p99 ms | CPU s | replicator GC s | RSS MiB | peak RSS MiB |\n");
            out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            Map<String, List<RunResult>> bySetup = results.get(name);
            for (Map.Entry<String, List<RunResult>> setup : bySetup.entrySet()) {
                List<RunResult> runs = setup.getValue();
                out.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                        setup.getKey(), delivered(runs), worst(runs, RunResult::lost), worst(runs, RunResult::duplicates),
                        spread(runs, RunResult::seconds, 1), spread(runs, RunResult::publishSeconds, 1),
                        spread(runs, r -> r.seconds() - r.publishSeconds(), 1), spread(runs, RunResult::messagesPerSecond, 0),
                        number(median(runs, RunResult::p99Millis), 1), cpuSpreads(runs), gc(runs),
                        spread(runs, RunResult::rssMiB, 0), spread(runs, RunResult::peakRssMiB, 0)));
            }
            List<RunResult> r = bySetup.get("R");
            List<RunResult> n = bySetup.get("N");
            if (r != null && n != null) {
                out.append("\n| R/N time | R/N CPU (replicator / reference) | R/N RSS |\n|---|---|---|\n");
                out.append(String.format(Locale.ROOT, "| %s | %s | %s |%n",
                        number(median(r, RunResult::seconds) / median(n, RunResult::seconds), 2),
                        number(median(r, Report::linkCpu) / median(n, Report::linkCpu), 2),
                        number(median(r, RunResult::rssMiB) / median(n, RunResult::rssMiB), 2)));
            } else {
                out.append("\nReference (the issue): the Node.js MQTT_Replicator needs about 11 s and 330 MB on this machine"
                        + " (bench/run --reference DIR measures it in the same run).\n");
            }
        }
        List<RunResult> troubled = results.values().stream().flatMap(m -> m.values().stream()).flatMap(List::stream)
                .filter(r -> r.problem() != null).toList();
        if (!troubled.isEmpty()) {
            out.append("\nRuns with a problem (their figures are included above):\n");
            troubled.forEach(r -> out.append("- ").append(r.load().name()).append(' ').append(r.setup())
                    .append(" #").append(r.repetition()).append(": ").append(r.problem()).append('\n'));
        }
        out.append("""

                State: publishing s = first send until A acknowledged the last message (the publisher's own
                pace); after last publish s = what the replication added after that.
                msgs/s = distinct messages delivered on B / (last arrival on B minus first send on A). Latency =
                arrival on B minus send on A (System.nanoTime, one JVM), first arrivals only. lost = sent minus
                distinct delivered; dup = arrivals beyond the first. CPU s = utime+stime from /proc from the first
                send to the last arrival: the replicator process for R (brokers A1, B1 shown too), the bridging
                broker A2 and the target B2 for M. RSS = the replicator's VmRSS at the end of the run, peak = VmHWM
                (since the process started). replicator GC s = jstat's GCT of the replicator over the run (pauses
                of its serial collector). link CPU µs/msg = the first CPU figure (the replicator for R, the
                bridging broker A2 for M) over the distinct messages delivered. Max-speed latencies include
                queueing: a paced QoS 1 load keeps up to `backlog` messages on their way; an open-loop load has no
                such bound (its queue is A's, and its latency is how long the burst waited there); the rate load
                shows the link's own latency.
                """);
        if (options.runsReference()) {
            out.append("""
                    N: the Node.js MQTT_Replicator (node index.js, NODE_ENV=production) on brokers A3 and B3, with R's
                    state rule (MQTTREP_MODE_* dropped, merge frequency as MQTT_REPLICATOR_MERGE_FREQUENCY); its CPU s
                    and RSS are the node process's, in the same columns as the replicator's. It publishes to B at the
                    QoS it received from A (so at QoS 0 with --state-publish-qos 0), where R uses the rule's QoS 1.
                    """);
        }
        return out.toString();
    }

    private static String row(String load, String setup, List<RunResult> runs) {
        return String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                load, setup, delivered(runs), worst(runs, RunResult::lost), worst(runs, RunResult::duplicates),
                spread(runs, RunResult::messagesPerSecond, 0), number(median(runs, RunResult::p50Millis), 2),
                spread(runs, RunResult::p99Millis, 1), number(max(runs, RunResult::maxMillis), 1),
                number(median(runs, run -> linkCpu(run) * 1e6 / run.delivered()), 1), gc(runs), cpuMedians(runs), memory(runs));
    }

    private static String delivered(List<RunResult> runs) {
        if (runs.stream().allMatch(r -> r.published() == 0)) {
            return "failed";
        }
        return String.format(Locale.ROOT, "%s/%s", number(median(runs, RunResult::delivered), 0),
                number(median(runs, RunResult::published), 0));
    }

    private static String gc(List<RunResult> runs) {
        double gc = median(runs, RunResult::gcSeconds);
        return Double.isNaN(gc) ? "-" : number(gc, 2);
    }

    private static String memory(List<RunResult> runs) {
        double rss = median(runs, RunResult::rssMiB);
        return Double.isNaN(rss) ? "-" : number(rss, 0) + " / " + number(max(runs, RunResult::peakRssMiB), 0);
    }

    /** CPU seconds of the linking process, the first one measured (the replicator, the reference, the bridge). */
    private static double linkCpu(RunResult run) {
        return run.cpuSeconds().values().stream().findFirst().orElse(Double.NaN);
    }

    private static String cpuSpreads(List<RunResult> runs) {
        Map<String, String> spreads = new LinkedHashMap<>();
        for (RunResult run : runs) {
            run.cpuSeconds().keySet().forEach(name -> spreads.put(name,
                    spread(runs, r -> r.cpuSeconds().getOrDefault(name, Double.NaN), 2)));
        }
        return spreads.isEmpty() ? "-" : spreads.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    private static String cpuMedians(List<RunResult> runs) {
        Map<String, Double> medians = new LinkedHashMap<>();
        for (RunResult run : runs) {
            run.cpuSeconds().keySet().forEach(name -> medians.put(name,
                    median(runs, r -> r.cpuSeconds().getOrDefault(name, Double.NaN))));
        }
        return cpu(medians);
    }

    private static String cpu(Map<String, Double> seconds) {
        if (seconds.isEmpty()) {
            return "-";
        }
        return seconds.entrySet().stream()
                .map(e -> e.getKey() + " " + number(e.getValue(), 2))
                .collect(Collectors.joining(", "));
    }

    private static String spread(List<RunResult> runs, ToDoubleFunction<RunResult> metric, int decimals) {
        double[] values = values(runs, metric);
        if (values.length == 0) {
            return "-";
        }
        String median = number(median(runs, metric), decimals);
        return values.length == 1 ? median
                : median + " [" + number(values[0], decimals) + "-" + number(values[values.length - 1], decimals) + "]";
    }

    private static int worst(List<RunResult> runs, ToDoubleFunction<RunResult> metric) {
        return (int) runs.stream().mapToDouble(metric).max().orElse(0);
    }

    private static double max(List<RunResult> runs, ToDoubleFunction<RunResult> metric) {
        double[] values = values(runs, metric);
        return values.length == 0 ? Double.NaN : values[values.length - 1];
    }

    static double median(List<RunResult> runs, ToDoubleFunction<RunResult> metric) {
        double[] values = values(runs, metric);
        if (values.length == 0) {
            return Double.NaN;
        }
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /** The metric over the runs that got as far as measuring, sorted; NaN left out. */
    private static double[] values(List<RunResult> runs, ToDoubleFunction<RunResult> metric) {
        double[] values = runs.stream().filter(r -> r.published() > 0).mapToDouble(metric)
                .filter(v -> !Double.isNaN(v)).toArray();
        Arrays.sort(values);
        return values;
    }

    private static String millis(double value) {
        return number(value, value < 10 ? 2 : 1);
    }

    private static String number(double value, int decimals) {
        return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}

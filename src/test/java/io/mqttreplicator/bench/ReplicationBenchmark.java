package io.mqttreplicator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Measures the replicator against a Mosquitto bridge carrying the same load between two local brokers (DESIGN.md
 * section 7), and the replicator's state mode against the Node.js MQTT_Replicator when a checkout of it is given.
 * Every run gets fresh brokers (and a fresh replicator process); the setups run one after the other, alternating
 * which goes first. Not a test: run it with {@code bench/run} ({@code --help} lists the options).
 */
public final class ReplicationBenchmark {

    private ReplicationBenchmark() {
    }

    public static void main(String[] args) {
        int exitCode;
        try {
            exitCode = run(BenchOptions.parse(args));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            exitCode = 2;
        } catch (IOException e) {
            System.err.println("benchmark failed: " + e);
            exitCode = 1;
        }
        // HiveMQ's Netty threads would keep exec:java waiting; the shutdown hook stops our processes
        System.exit(exitCode);
    }

    static int run(BenchOptions options) throws IOException {
        if (options.runsReplicator() && !Files.isRegularFile(options.jar())) {
            System.err.println("replicator jar not found: " + options.jar().toAbsolutePath()
                    + "\nbuild it (./mvnw -B -DskipTests package), point --jar at it, or run --bridge-only");
            return 2;
        }
        if (options.runsReference()) {
            Optional<String> missing = ReferenceSetup.notReady(options.reference());
            if (missing.isPresent()) {
                System.err.println("Node.js reference not ready: " + missing.get()
                        + "\n(see the README's Benchmark section for how to set it up)");
                return 2;
            }
        }
        Path workDir = options.workDir() != null ? Files.createDirectories(options.workDir())
                : Files.createTempDirectory("mqtt-bench-");
        Machine machine = Machine.describe(options);
        String loadBefore = Machine.loadAverage();
        System.out.printf("machine: %d CPUs, %s; %s; %s%s; load average %s%n", machine.cpus(), machine.memory(),
                machine.java(), machine.mosquitto(), machine.node().isEmpty() ? "" : "; node " + machine.node(), loadBefore);
        System.out.println("configs and logs: " + workDir);

        Report report = new Report();
        LoadRun runner = new LoadRun(options);
        for (Load load : options.loadPlan()) {
            List<String> setups = options.setups().stream().filter(setup -> hasCounterpart(load, setup)).toList();
            if (!load.isState() && options.runsReference()) {
                System.out.println("[" + load.name() + "] N skipped: " + ReferenceSetup.NO_STREAM);
            }
            if (setups.isEmpty()) {
                if (load.isState()) {
                    System.out.println("[" + load.name() + "] skipped: there is no bridge counterpart for the state load");
                }
                continue;
            }
            System.out.println("\n== " + load.description());
            for (int repetition = 1; repetition <= options.repeats(); repetition++) {
                List<String> order = new ArrayList<>(setups);
                if (repetition % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String setup : order) {
                    Path runDir = workDir.resolve(load.name() + "-" + repetition + "-" + setup);
                    if (setup.equals("R")) {
                        System.out.println("[" + load.name() + " R #" + repetition + "] replicator log: "
                                + runDir.resolve("replicator.log"));
                    } else if (setup.equals("N")) {
                        System.out.println("[" + load.name() + " N #" + repetition + "] reference log: "
                                + runDir.resolve("reference.log"));
                    }
                    RunResult result = runner.run(load, setup, repetition, runDir, starter(options, load, setup));
                    report.add(result);
                    System.out.println(Report.describe(result));
                }
            }
        }
        System.out.println(report.summary(machine, options, loadBefore, Machine.loadAverage()));
        System.out.println("configs and logs: " + workDir);
        return 0;
    }

    /** The bridge has no state counterpart, the Node.js reference no stream one. */
    private static boolean hasCounterpart(Load load, String setup) {
        return load.isState() ? !setup.equals("M") : !setup.equals("N");
    }

    private static Function<Path, Setup> starter(BenchOptions options, Load load, String setup) {
        return switch (setup) {
            case "R" -> dir -> ReplicatorSetup.start(options, load, dir, "replicator.log");
            case "N" -> dir -> ReferenceSetup.start(options, load, dir, "reference.log");
            default -> dir -> BridgeSetup.start(options, load, dir);
        };
    }
}

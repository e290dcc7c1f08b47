package io.mqttreplicator.bench;

import io.mqttreplicator.testing.FreePorts;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.SequencePublisher;
import io.mqttreplicator.testing.SequenceRecorder;
import io.mqttreplicator.testing.TestMqttClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scale-out with a shared subscription: the same open-loop QoS 1 burst from Mosquitto A to B (rule
 * {@code $share/bench/scale/#}, stream, MQTT 5, the image's JVM options) through 1, 2 and 3
 * replicator instances in one run, fresh brokers for each. Prints throughput, lost, duplicates, the
 * instances' CPU per message (all instances together) and each instance's share. On a machine with
 * few cores the instances and the brokers share them: there the point is correctness and CPU per
 * message, not throughput. Not a test: {@code bench/scale-out [messages] [instances...]}.
 */
public final class ScaleOutBenchmark {

    private ScaleOutBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        List<Integer> counts = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            counts.add(Integer.parseInt(args[i]));
        }
        if (counts.isEmpty()) {
            counts = List.of(1, 2, 3);
        }
        System.out.printf(Locale.ROOT, "%d CPUs, load average %s; %,d QoS 1 messages open loop per run%n",
                Runtime.getRuntime().availableProcessors(), Machine.loadAverage(), messages);
        List<String> rows = new ArrayList<>();
        for (int instances : counts) {
            rows.add(run(instances, messages));
        }
        System.out.println();
        System.out.println("| instances | msgs/s | lost | duplicates | instances' CPU s | CPU µs/msg | forwarded by instance |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        // the MQTT clients' Netty threads would keep exec:java waiting; the shutdown hook stops our processes
        System.exit(0);
    }

    private static String run(int instances, int messages) throws Exception {
        String queue = "max_queued_messages " + messages * 2;
        try (MosquittoBroker a = MosquittoBroker.builder().name("scale-a").config(queue, "max_queued_bytes 0").start();
                MosquittoBroker b = MosquittoBroker.builder().name("scale-b").config(queue, "max_queued_bytes 0").start();
                SequenceRecorder onB = SequenceRecorder.subscribe(b.port(), "scale-recorder", "scale/#", messages)) {
            List<ReplicatorProgram> programs = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            try {
                for (int i = 1; i <= instances; i++) {
                    int port = FreePorts.next();
                    ports.add(port);
                    programs.add(ReplicatorProgram.start("scale-" + instances + "-" + i, environment(a, b, i, port),
                            List.of(ReplicatorProgram.IMAGE_JVM_OPTIONS.split(" "))));
                }
                awaitReady(ports);
                awaitReplicating(a, onB, instances);
                Map<String, Long> pids = new LinkedHashMap<>();
                for (int i = 0; i < programs.size(); i++) {
                    pids.put("instance " + (i + 1), programs.get(i).pid());
                }
                Map<String, List<Long>> processes = ProcessStats.trees(pids);
                Map<String, Double> before = ProcessStats.cpuSeconds(processes);
                List<Double> forwardedBefore = forwarded(programs);
                long start = System.nanoTime();
                long lastArrival = start;
                try (SequencePublisher publisher = SequencePublisher.start(a.port(), "scale/seq", messages, 1_000)) {
                    int last = -1;
                    long quietSince = System.nanoTime();
                    while (onB.distinct() < messages && System.nanoTime() - quietSince < Duration.ofSeconds(20).toNanos()) {
                        int now = onB.distinct();
                        if (now != last) {
                            last = now;
                            quietSince = System.nanoTime();
                            lastArrival = quietSince;
                        }
                        Sleep.millis(20);
                    }
                }
                Map<String, Double> after = ProcessStats.cpuSeconds(processes);
                List<Double> forwardedAfter = forwarded(programs);
                double cpu = 0;
                for (String name : pids.keySet()) {
                    cpu += after.get(name) - before.get(name);
                }
                List<String> shares = new ArrayList<>();
                for (int i = 0; i < ports.size(); i++) {
                    shares.add(String.format(Locale.ROOT, "%,.0f", forwardedAfter.get(i) - forwardedBefore.get(i)));
                }
                int delivered = onB.distinct();
                double seconds = (lastArrival - start) / 1e9;
                String row = String.format(Locale.ROOT, "| %d | %,.0f | %,d | %,d | %.2f | %.1f | %s |", instances,
                        delivered / seconds, messages - delivered, onB.duplicates(), cpu, cpu * 1e6 / Math.max(1, delivered),
                        String.join(" / ", shares));
                System.out.println(row);
                return row;
            } finally {
                programs.forEach(ReplicatorProgram::close);
            }
        }
    }

    private static Map<String, String> environment(MosquittoBroker a, MosquittoBroker b, int instance, int httpPort) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", a.url());
        env.put("MQTTREP_CLIENT_b", b.url());
        env.put("MQTTREP_CONFIG_a", "{\"protocolVersion\": 5}");
        env.put("MQTTREP_CONFIG_b", "{\"protocolVersion\": 5}");
        env.put("MQTTREP_TOPIC_s", "$share/bench/scale/#");
        env.put("MQTTREP_MODE_s", "stream");
        env.put("MQTTREP_SUBSCRIBE_WHITELIST_s", "a");
        env.put("MQTTREP_INSTANCE", "scale-" + instance);
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        return env;
    }

    /** Each instance's forwarded count, from its /q/metrics, in instance order. */
    private static List<Double> forwarded(List<ReplicatorProgram> programs) {
        return programs.stream().map(ReplicatorProgram::forwardedMessages).toList();
    }

    /** Until every instance's readiness endpoint says UP: its replication is applied. */
    private static void awaitReady(List<Integer> ports) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        for (int port : ports) {
            while (true) {
                try {
                    int status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status == 200) {
                        break;
                    }
                } catch (java.io.IOException notYet) {
                    // still starting
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("instance on port " + port + " not ready within 90 s");
                }
                Sleep.millis(100);
            }
        }
    }

    /** Probes until a few crossed over: the instances have subscribed. */
    private static void awaitReplicating(MosquittoBroker a, SequenceRecorder onB, int instances) {
        try (TestMqttClient onA = TestMqttClient.connect(a.port())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (onB.foreign() < instances * 3L) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the instances did not start replicating within 90 s");
                }
                onA.publish("scale/probe", "probe", 1, false);
                Sleep.millis(100);
            }
        }
    }
}

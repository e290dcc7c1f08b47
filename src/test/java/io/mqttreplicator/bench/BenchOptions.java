package io.mqttreplicator.bench;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.mqttreplicator.testing.ReplicatorProgram;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options ({@code --name value}, {@code --name=value}, {@code --flag}); each can also be given as the
 * system property {@code bench.name}. {@code -Dbench.only=bridge} is {@code --bridge-only}.
 */
record BenchOptions(
        Path jar,
        String java,
        String mosquitto,
        List<String> setups,
        List<String> loads,
        int messages,
        int rateMessages,
        int rate,
        int stateTopics,
        boolean stateRetained,
        MqttQos statePublishQos,
        int repeats,
        int warmup,
        int payloadBytes,
        int inflight,
        int backlog,
        int stateBacklog,
        BrokerProcess.Limits brokerLimits,
        boolean persistentSessions,
        Duration runTimeout,
        Duration idleTimeout,
        Duration readyTimeout,
        List<String> replicatorJvmOptions,
        Map<String, String> replicatorEnv,
        Path workDir,
        Path reference,
        String node) {

    /**
     * The replicator as shipped: the JVM options of the image (src/main/docker/Dockerfile.jvm) under the
     * Deployment's 512 MiB memory limit (k8s/04-deployment.yaml), which {@code -XX:MaxRAM} stands for, so that
     * the heap's bounds come from the same percentages. {@code ImageJvmOptionsTest} keeps this in line with the
     * image and the Deployment.
     */
    static final String IMAGE_JVM_OPTIONS = ReplicatorProgram.IMAGE_JVM_OPTIONS;

    static final String USAGE = """
            ReplicationBenchmark: the replicator (R) against a Mosquitto bridge (M), same load, same brokers' settings,
            and against the Node.js MQTT_Replicator (N) on the state load.
              --jar PATH              product jar (default target/quarkus-app/quarkus-run.jar)
              --bridge-only           only setup M and the stream loads (also -Dbench.only=bridge)
              --setups R,M,N          setups to run (default R,M; R,M,N with --reference)
              --reference DIR         a MQTT_Replicator checkout after npm install and npm run build: setup N,
                                      state load only (started as node DIR/index.js, NODE_ENV=production)
              --node PATH             node for setup N (default: node from PATH)
              --loads qos0,qos1,open0,open1,rate,state   loads to run (default all)
                                      qos0, qos1: as fast as the bounds allow, the publisher paced by the backlog
                                      open0, open1: open loop, the publisher as fast as A takes messages, never
                                      waiting for the target (real producers do not slow down for the replication)
              --messages N            messages of the qos0, qos1, open0 and open1 loads (default 200000)
              --rate-messages N       messages of the paced load (default 5000)
              --rate N                msg/s of the paced load (default 1000)
              --state-topics N        distinct topics of the state load (default 200000)
              --state-retained        publish the state load retained (default: not retained)
              --state-publish-qos N   QoS of the state load's publisher on A, 0 or 1 (default 1); the rule stays QoS 1.
                                      At 0 the publisher is not held back by the state backlog: A gets the topics
                                      as fast as it takes them, and the time measures the replication
              --repeats N             runs per load and setup; median and min-max reported (default 3)
              --warmup N              unmeasured messages before each stream load, both setups (default 10000)
              --payload N             bytes per message, >= 20 (default 100)
              --inflight N            publisher's messages not yet acknowledged by the source broker (default 1000)
              --backlog N             QoS 1 stream loads: messages sent but not yet arrived on the target (default 10000)
              --state-backlog N       the same for the state load (default 50000); both stay below Mosquitto's 65,535
              --broker-max-inflight N mosquitto max_inflight_messages, every broker (default 1000)
              --broker-max-queued N   mosquitto max_queued_messages, every broker (default: twice the stream
                                      loads' messages and warmup, at least 100000, so no broker drops an open-loop
                                      burst)
              --persistent-sessions   replicator clean=false and bridge cleansession false (default: clean)
              --run-timeout S         a run ends after S seconds whatever happened (default 300)
              --idle-timeout S        a run ends S seconds after the last arrival once publishing is over (default 10)
              --ready-timeout S       how long the link may take to come up (default 90)
              --replicator-jvm-opts "..."   JVM options of the replicator process (default: what the image's run-java.sh
                                      gives the Deployment, its 512 MiB limit as -XX:MaxRAM=512m: a 256 MiB heap
                                      starting at 128 MiB, the serial collector, C1 only)
              --replicator-env K=V    extra environment variable for the replicator, R only (repeatable)
              --java PATH             java for the replicator (default: the running JVM's)
              --mosquitto PATH        (default /usr/sbin/mosquitto)
              --work-dir DIR          configs and logs (default: a new temp dir)
            """;

    static BenchOptions parse(String[] args) {
        Map<String, List<String>> given = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.isBlank()) {
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'\n" + USAGE);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (isFlag(name)) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value\n" + USAGE);
            }
            given.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        if (given.containsKey("help")) {
            System.out.print(USAGE);
            System.exit(0);
        }
        Lookup in = new Lookup(given);

        boolean bridgeOnly = in.flag("bridge-only") || "bridge".equals(System.getProperty("bench.only"));
        Path reference = in.has("reference") ? Path.of(in.string("reference", "")) : null;
        List<String> setups = in.list("setups", reference == null ? "R,M" : "R,M,N");
        List<String> loads = in.list("loads", "qos0,qos1,open0,open1,rate,state");
        if (bridgeOnly) {
            setups = List.of("M");
            loads = loads.stream().filter(l -> !l.equals("state")).toList();
        }
        for (String load : loads) {
            if (!List.of("qos0", "qos1", "open0", "open1", "rate", "state").contains(load)) {
                throw new IllegalArgumentException("unknown load '" + load + "'\n" + USAGE);
            }
        }
        for (String setup : setups) {
            if (!List.of("R", "M", "N").contains(setup)) {
                throw new IllegalArgumentException("unknown setup '" + setup + "'\n" + USAGE);
            }
        }
        if (setups.contains("N") && reference == null) {
            throw new IllegalArgumentException("setup N needs --reference DIR, a MQTT_Replicator checkout\n" + USAGE);
        }
        int payload = in.integer("payload", 100);
        if (payload < BenchPayload.HEADER_BYTES) {
            throw new IllegalArgumentException("--payload must be at least " + BenchPayload.HEADER_BYTES);
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String pair : in.all("replicator-env")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--replicator-env needs NAME=VALUE, got '" + pair + "'");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        String jvmOpts = in.string("replicator-jvm-opts", IMAGE_JVM_OPTIONS).trim();
        return new BenchOptions(
                Path.of(in.string("jar", "target/quarkus-app/quarkus-run.jar")),
                in.string("java", Path.of(System.getProperty("java.home"), "bin", "java").toString()),
                in.string("mosquitto", "/usr/sbin/mosquitto"),
                setups,
                loads,
                in.integer("messages", 200_000),
                in.integer("rate-messages", 5_000),
                in.integer("rate", 1_000),
                in.integer("state-topics", 200_000),
                in.flag("state-retained"),
                statePublishQos(in.integer("state-publish-qos", 1)),
                Math.max(1, in.integer("repeats", 3)),
                in.integer("warmup", 10_000),
                payload,
                in.integer("inflight", 1_000),
                in.integer("backlog", 10_000),
                in.integer("state-backlog", 50_000),
                new BrokerProcess.Limits(in.integer("broker-max-inflight", 1_000), in.integer("broker-max-queued",
                        Math.max(100_000, 2 * (in.integer("messages", 200_000) + in.integer("warmup", 10_000))))),
                in.flag("persistent-sessions"),
                Duration.ofSeconds(in.integer("run-timeout", 300)),
                Duration.ofSeconds(in.integer("idle-timeout", 10)),
                Duration.ofSeconds(in.integer("ready-timeout", 90)),
                jvmOpts.isEmpty() ? List.of() : Arrays.asList(jvmOpts.split("\\s+")),
                env,
                in.has("work-dir") ? Path.of(in.string("work-dir", "")) : null,
                reference,
                in.string("node", "node"));
    }

    boolean runsReplicator() {
        return setups.contains("R");
    }

    boolean runsReference() {
        return setups.contains("N");
    }

    /** The loads to run, in order, built from the options. */
    List<Load> loadPlan() {
        List<Load> plan = new ArrayList<>();
        for (String name : loads) {
            plan.add(switch (name) {
                case "qos0" -> new Load("qos0", messages + " x " + payloadBytes + " B QoS 0, max speed, paced",
                        MqttQos.AT_MOST_ONCE, MqttQos.AT_MOST_ONCE, messages, 0, false, false, false);
                case "qos1" -> new Load("qos1", messages + " x " + payloadBytes + " B QoS 1, max speed, paced",
                        MqttQos.AT_LEAST_ONCE, MqttQos.AT_LEAST_ONCE, messages, 0, false, false, false);
                case "open0" -> new Load("open0", messages + " x " + payloadBytes + " B QoS 0, open loop",
                        MqttQos.AT_MOST_ONCE, MqttQos.AT_MOST_ONCE, messages, 0, false, false, true);
                case "open1" -> new Load("open1", messages + " x " + payloadBytes + " B QoS 1, open loop",
                        MqttQos.AT_LEAST_ONCE, MqttQos.AT_LEAST_ONCE, messages, 0, false, false, true);
                case "rate" -> new Load("rate", rateMessages + " x " + payloadBytes + " B QoS 1 at " + rate + " msg/s",
                        MqttQos.AT_LEAST_ONCE, MqttQos.AT_LEAST_ONCE, rateMessages, rate, false, false, false);
                default -> new Load("state", stateTopics + " distinct topics x " + payloadBytes + " B QoS "
                        + statePublishQos.getCode() + (stateRetained ? " retained" : " not retained")
                        + " on A, rule QoS 1, state mode",
                        MqttQos.AT_LEAST_ONCE, statePublishQos, stateTopics, 0, true, stateRetained, false);
            });
        }
        return plan;
    }

    private static MqttQos statePublishQos(int code) {
        if (code != 0 && code != 1) {
            throw new IllegalArgumentException("--state-publish-qos must be 0 or 1, got " + code);
        }
        return MqttQos.fromCode(code);
    }

    private static boolean isFlag(String name) {
        return List.of("bridge-only", "state-retained", "persistent-sessions", "help").contains(name);
    }

    /** Command line first, then {@code -Dbench.<name>}, then the default. */
    private record Lookup(Map<String, List<String>> given) {

        boolean has(String name) {
            return given.containsKey(name) || System.getProperty("bench." + name) != null;
        }

        List<String> all(String name) {
            List<String> values = new ArrayList<>(given.getOrDefault(name, List.of()));
            String property = System.getProperty("bench." + name);
            if (property != null) {
                values.add(property);
            }
            return values;
        }

        String string(String name, String fallback) {
            List<String> values = given.get(name);
            if (values != null) {
                return values.get(values.size() - 1);
            }
            return System.getProperty("bench." + name, fallback);
        }

        int integer(String name, int fallback) {
            String value = string(name, Integer.toString(fallback)).replace("_", "");
            try {
                return Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + name + " needs a whole number, got '" + value + "'");
            }
        }

        boolean flag(String name) {
            return Boolean.parseBoolean(string(name, "false"));
        }

        List<String> list(String name, String fallback) {
            return Arrays.stream(string(name, fallback).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
    }
}

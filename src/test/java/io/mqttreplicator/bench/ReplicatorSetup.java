package io.mqttreplicator.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Setup R: brokers A1 and B1 with the replicator between them. Stream loads: one stream rule for {@code bench/#}
 * subscribed only on A1 (like-for-like with the bridge's {@code out} direction). The state load: one state rule for
 * {@code bench/state/#} subscribed on both brokers, as a multi-master state replication runs.
 */
final class ReplicatorSetup implements Setup {

    private final BrokerProcess source;
    private final BrokerProcess target;
    private final ReplicatorProcess replicator;

    private ReplicatorSetup(BrokerProcess source, BrokerProcess target, ReplicatorProcess replicator) {
        this.source = source;
        this.target = target;
        this.replicator = replicator;
    }

    static ReplicatorSetup start(BenchOptions options, Load load, Path dir, String logName) {
        BrokerProcess source = BrokerProcess.start(options.mosquitto(), "A1", dir, options.brokerLimits(), Optional.empty());
        BrokerProcess target = null;
        try {
            target = BrokerProcess.start(options.mosquitto(), "B1", dir, options.brokerLimits(), Optional.empty());
            Map<String, String> env = environment(options, load, source.port(), target.port());
            ReplicatorProcess replicator = ReplicatorProcess.start(options.java(), options.jar(),
                    options.replicatorJvmOptions(), env, dir.resolve(logName));
            return new ReplicatorSetup(source, target, replicator);
        } catch (RuntimeException e) {
            source.close();
            if (target != null) {
                target.close();
            }
            throw e;
        }
    }

    /** The MQTT_Replicator contract: nothing but environment variables. */
    static Map<String, String> environment(BenchOptions options, Load load, int sourcePort, int targetPort) {
        boolean clean = !options.persistentSessions();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", "mqtt://127.0.0.1:" + sourcePort);
        env.put("MQTTREP_CLIENT_b", "mqtt://127.0.0.1:" + targetPort);
        env.put("MQTTREP_CONFIG_a", "{\"clientId\":\"bench-replicator-a\",\"clean\":" + clean + "}");
        env.put("MQTTREP_CONFIG_b", "{\"clientId\":\"bench-replicator-b\",\"clean\":" + clean + "}");
        String rule = load.isState() ? "s" : "bench";
        env.put("MQTTREP_TOPIC_" + rule, load.subscriptionFilter());
        env.put("MQTTREP_MODE_" + rule, load.isState() ? "state" : "stream");
        env.put("MQTTREP_QOS_" + rule, Integer.toString(load.qos().getCode()));
        if (!load.isState()) {
            env.put("MQTTREP_SUBSCRIBE_WHITELIST_" + rule, "a");
        }
        env.put("MQTTREP_MERGE_FREQUENCY", "10");
        // a free port: another replicator on the machine may hold 8080, and the run never calls the HTTP server
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", "0");
        env.putAll(options.replicatorEnv());
        return env;
    }

    Path log() {
        return replicator.log();
    }

    @Override
    public String name() {
        return "R";
    }

    @Override
    public int sourcePort() {
        return source.port();
    }

    @Override
    public int targetPort() {
        return target.port();
    }

    @Override
    public Map<String, Long> measuredProcesses() {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("replicator", replicator.pid());
        pids.put("A1", source.pid());
        pids.put("B1", target.pid());
        return pids;
    }

    @Override
    public OptionalLong replicatorPid() {
        return OptionalLong.of(replicator.pid());
    }

    @Override
    public boolean linkAlive() {
        return replicator.isAlive() && source.isAlive() && target.isAlive();
    }

    @Override
    public String diagnostics() {
        return "replicator " + replicator.exitDescription() + ", log " + replicator.log();
    }

    @Override
    public void close() {
        replicator.close();
        source.close();
        target.close();
    }
}

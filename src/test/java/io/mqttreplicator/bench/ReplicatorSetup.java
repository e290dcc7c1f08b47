package io.mqttreplicator.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Setup R: brokers A1 and B1 with the replicator between them. Stream loads: one stream rule for {@code bench/#}
 * subscribed only on A1 (like-for-like with the bridge's {@code out} direction). The state load: one state rule for
 * {@code bench/state/#} subscribed on both brokers, as a multi-master state replication runs.
 */
final class ReplicatorSetup {

    private ReplicatorSetup() {
    }

    static LinkProcessSetup start(BenchOptions options, Load load, Path dir, String logName) {
        return LinkProcessSetup.start(options, dir, "R", "replicator", "A1", "B1",
                (sourcePort, targetPort) -> ReplicatorProcess.start(options.java(), options.jar(),
                        options.replicatorJvmOptions(), environment(options, load, sourcePort, targetPort),
                        dir.resolve(logName)));
    }

    /** The MQTT_Replicator contract: nothing but environment variables; {@code --replicator-env} last. */
    static Map<String, String> environment(BenchOptions options, Load load, int sourcePort, int targetPort) {
        Map<String, String> env = replication(options, load, sourcePort, targetPort, "bench-replicator");
        env.putAll(options.replicatorEnv());
        return env;
    }

    /** The brokers and the one rule of the load, the MQTT.js client ids starting with {@code clientIdPrefix}. */
    static Map<String, String> replication(BenchOptions options, Load load, int sourcePort, int targetPort,
                                           String clientIdPrefix) {
        boolean clean = !options.persistentSessions();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MQTTREP_CLIENT_a", "mqtt://127.0.0.1:" + sourcePort);
        env.put("MQTTREP_CLIENT_b", "mqtt://127.0.0.1:" + targetPort);
        env.put("MQTTREP_CONFIG_a", "{\"clientId\":\"" + clientIdPrefix + "-a\",\"clean\":" + clean + "}");
        env.put("MQTTREP_CONFIG_b", "{\"clientId\":\"" + clientIdPrefix + "-b\",\"clean\":" + clean + "}");
        String rule = load.isState() ? "s" : "bench";
        env.put("MQTTREP_TOPIC_" + rule, load.subscriptionFilter());
        env.put("MQTTREP_MODE_" + rule, load.isState() ? "state" : "stream");
        env.put("MQTTREP_QOS_" + rule, Integer.toString(load.qos().getCode()));
        if (!load.isState()) {
            env.put("MQTTREP_SUBSCRIBE_WHITELIST_" + rule, "a");
        }
        env.put("MQTTREP_MERGE_FREQUENCY", "10");
        return env;
    }
}

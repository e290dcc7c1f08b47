package io.mqttreplicator.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Setup N: brokers A3 and B3 with the Node.js MQTT_Replicator between them ({@code node index.js} in a checkout of
 * it, after {@code npm install} and {@code npm run build}), configured like setup R's state load. It only does state
 * (last writer wins), so it has no stream counterpart.
 */
final class ReferenceSetup {

    /** Why the stream loads have no N run. */
    static final String NO_STREAM = "the Node.js reference only merges state (last writer wins), it has no stream mode";

    private ReferenceSetup() {
    }

    static LinkProcessSetup start(BenchOptions options, Load load, Path dir, String logName) {
        List<String> command = List.of(options.node(), entryPoint(options.reference()).toString());
        return LinkProcessSetup.start(options, dir, "N", "reference", "A3", "B3",
                (sourcePort, targetPort) -> ReplicatorProcess.start(command,
                        environment(options, load, sourcePort, targetPort), dir.resolve(logName)));
    }

    /** The reference's {@code npm start}: {@code index.js}, which loads the Babel build in {@code lib/}. */
    static Path entryPoint(Path checkout) {
        return checkout.toAbsolutePath().resolve("index.js");
    }

    /** What is missing for {@code node index.js} to run in the checkout, or empty when it looks ready. */
    static Optional<String> notReady(Path checkout) {
        if (!Files.isRegularFile(entryPoint(checkout))) {
            return Optional.of("no index.js in " + checkout.toAbsolutePath() + ": not a MQTT_Replicator checkout");
        }
        if (!Files.isDirectory(checkout.resolve("node_modules"))) {
            return Optional.of("no node_modules in " + checkout.toAbsolutePath() + ": run npm install there");
        }
        if (!Files.isRegularFile(checkout.resolve("lib").resolve("app.js"))) {
            return Optional.of("no lib/app.js in " + checkout.toAbsolutePath() + ": run npm run build there");
        }
        return Optional.empty();
    }

    /**
     * Setup R's replication in the variables MQTT_Replicator reads: no {@code MQTTREP_MODE_*} (state is all it does),
     * the merge frequency under the name its code reads, and {@code NODE_ENV=production} as in its Dockerfile
     * (otherwise it logs every message at debug level).
     */
    static Map<String, String> environment(BenchOptions options, Load load, int sourcePort, int targetPort) {
        Map<String, String> env = new LinkedHashMap<>(
                ReplicatorSetup.replication(options, load, sourcePort, targetPort, "bench-reference"));
        env.keySet().removeIf(name -> name.startsWith("MQTTREP_MODE_"));
        env.put("MQTT_REPLICATOR_MERGE_FREQUENCY", env.remove("MQTTREP_MERGE_FREQUENCY"));
        env.put("NODE_ENV", "production");
        return env;
    }
}

package io.mqttreplicator.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.BiFunction;

/**
 * Two fresh Mosquitto brokers and a process of its own linking them: the replicator (setup R) or the Node.js
 * MQTT_Replicator (setup N). Its CPU time and memory are reported as the link's.
 */
final class LinkProcessSetup implements Setup {

    private final String name;
    private final String label;
    private final BrokerProcess source;
    private final BrokerProcess target;
    private final ReplicatorProcess link;

    private LinkProcessSetup(String name, String label, BrokerProcess source, BrokerProcess target, ReplicatorProcess link) {
        this.name = name;
        this.label = label;
        this.source = source;
        this.target = target;
        this.link = link;
    }

    /**
     * Starts brokers {@code sourceName} and {@code targetName}, then the link with their ports; stops what it
     * started when a step fails.
     *
     * @param name  the setup's name in the report
     * @param label the link process's label in the CPU column and the diagnostics
     */
    static LinkProcessSetup start(BenchOptions options, Path dir, String name, String label, String sourceName,
                                  String targetName, BiFunction<Integer, Integer, ReplicatorProcess> link) {
        BrokerProcess source = BrokerProcess.start(options.mosquitto(), sourceName, dir, options.brokerLimits(), Optional.empty());
        BrokerProcess target = null;
        try {
            target = BrokerProcess.start(options.mosquitto(), targetName, dir, options.brokerLimits(), Optional.empty());
            return new LinkProcessSetup(name, label, source, target, link.apply(source.port(), target.port()));
        } catch (RuntimeException e) {
            source.close();
            if (target != null) {
                target.close();
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
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
        pids.put(label, link.pid());
        pids.put(source.name(), source.pid());
        pids.put(target.name(), target.pid());
        return pids;
    }

    @Override
    public OptionalLong replicatorPid() {
        return OptionalLong.of(link.pid());
    }

    @Override
    public boolean linkAlive() {
        return link.isAlive() && source.isAlive() && target.isAlive();
    }

    @Override
    public String diagnostics() {
        return label + " " + link.exitDescription() + ", log " + link.log();
    }

    @Override
    public void close() {
        link.close();
        source.close();
        target.close();
    }
}

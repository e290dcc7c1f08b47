package io.mqttreplicator.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Setup M: broker A2 bridges {@code bench/#} out to broker B2 ({@code connection bench} configured on A2). */
final class BridgeSetup implements Setup {

    private final BrokerProcess source;
    private final BrokerProcess target;

    private BridgeSetup(BrokerProcess source, BrokerProcess target) {
        this.source = source;
        this.target = target;
    }

    static BridgeSetup start(BenchOptions options, Load load, Path dir) {
        BrokerProcess target = BrokerProcess.start(options.mosquitto(), "B2", dir, options.brokerLimits(), Optional.empty());
        try {
            BrokerProcess.Bridge bridge = new BrokerProcess.Bridge(target.port(), load.qos().getCode(),
                    !options.persistentSessions(), "bench-bridge-a2");
            BrokerProcess source = BrokerProcess.start(options.mosquitto(), "A2", dir, options.brokerLimits(),
                    Optional.of(bridge));
            return new BridgeSetup(source, target);
        } catch (RuntimeException e) {
            target.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return "M";
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
        pids.put("A2(bridge)", source.pid());
        pids.put("B2", target.pid());
        return pids;
    }

    @Override
    public OptionalLong replicatorPid() {
        return OptionalLong.empty();
    }

    @Override
    public boolean linkAlive() {
        return source.isAlive() && target.isAlive();
    }

    @Override
    public String diagnostics() {
        return "bridge log " + source.log() + ", target log " + target.log();
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}

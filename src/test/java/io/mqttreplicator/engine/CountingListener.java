package io.mqttreplicator.engine;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counts what the engine reports, by event, broker and rule. */
final class CountingListener implements EngineListener {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    final AtomicInteger cachedTopics = new AtomicInteger(-1);
    final AtomicInteger inFlight = new AtomicInteger(-1);
    final Map<String, Integer> cachedTopicsByRule = new ConcurrentHashMap<>();
    final Map<String, Integer> inFlightByBroker = new ConcurrentHashMap<>();

    private void increment(String key) {
        counts.computeIfAbsent(key, ignored -> new LongAdder()).increment();
    }

    /** Sum of the counts whose key ({@code event/broker/rule}) starts with the prefix. */
    long count(String event, String broker) {
        String prefix = event + "/" + broker + "/";
        return counts.entrySet().stream()
                .filter(entry -> entry.getKey().startsWith(prefix))
                .mapToLong(entry -> entry.getValue().sum())
                .sum();
    }

    /** Sum over all brokers and rules. */
    long count(String event) {
        return counts.entrySet().stream()
                .filter(entry -> entry.getKey().startsWith(event + "/"))
                .mapToLong(entry -> entry.getValue().sum())
                .sum();
    }

    long dropped(DropReason reason) {
        return count(reason.name());
    }

    long dropped(DropReason reason, String broker) {
        return count(reason.name(), broker);
    }

    @Override
    public void received(String broker, String rule) {
        increment("received/" + broker + "/" + rule);
    }

    @Override
    public void forwarded(String broker, String rule) {
        increment("forwarded/" + broker + "/" + rule);
    }

    @Override
    public void publishFailed(String broker, String rule) {
        increment("publishFailed/" + broker + "/" + rule);
    }

    @Override
    public void dropped(String broker, String rule, DropReason reason) {
        increment(reason.name() + "/" + broker + "/" + rule);
    }

    @Override
    public void forwardLatency(long nanos) {
        increment("latency/all/");
    }

    @Override
    public void mergeTick(long nanos, int changedTopics) {
        increment("tick/all/");
    }

    @Override
    public void cachedTopics(int count) {
        cachedTopics.set(count);
    }

    @Override
    public void cachedTopics(String rule, int count) {
        cachedTopicsByRule.put(rule, count);
    }

    @Override
    public void inFlight(int count) {
        inFlight.set(count);
    }

    @Override
    public void inFlight(String broker, int count) {
        inFlightByBroker.put(broker, count);
    }
}

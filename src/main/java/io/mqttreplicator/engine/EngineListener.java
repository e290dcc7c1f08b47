package io.mqttreplicator.engine;

import java.util.List;

/**
 * What a replication engine reports, for metrics. Called from the engine's threads (brokers'
 * inbound threads, publish completions, the merge tick), concurrently: implementations must be
 * thread-safe and cheap. Rule ids and broker names are bounded sets; topics are never passed.
 */
public interface EngineListener {

    /** Why a message was not forwarded or merged. */
    enum DropReason {
        /** The engine's own publish coming back on its subscription. */
        ECHO,
        /** State mode: equal to the value the engine last saw from that broker. */
        DUPLICATE,
        /** The rule does not take messages from this broker, or may publish to no other broker. */
        DENIED,
        /** State mode: the topic had no traffic for the rule's TTL and was deleted. */
        EXPIRED,
        /** A {@code $} or {@code ActiveMQ/} topic, or a topic no rule matches. */
        IGNORED
    }

    /** The rule id passed when no rule matches a topic. */
    String NO_RULE = "";

    EngineListener NONE = new EngineListener() {
    };

    /** One listener that calls each of {@code listeners} in order. */
    static EngineListener all(List<EngineListener> listeners) {
        List<EngineListener> active = listeners.stream().filter(listener -> listener != NONE).toList();
        if (active.size() <= 1) {
            return active.isEmpty() ? NONE : active.get(0);
        }
        return new EngineListener() {
            @Override
            public void received(String broker, String rule) {
                active.forEach(listener -> listener.received(broker, rule));
            }

            @Override
            public void forwarded(String broker, String rule) {
                active.forEach(listener -> listener.forwarded(broker, rule));
            }

            @Override
            public void publishFailed(String broker, String rule) {
                active.forEach(listener -> listener.publishFailed(broker, rule));
            }

            @Override
            public void dropped(String broker, String rule, DropReason reason) {
                active.forEach(listener -> listener.dropped(broker, rule, reason));
            }

            @Override
            public void forwardLatency(long nanos) {
                active.forEach(listener -> listener.forwardLatency(nanos));
            }

            @Override
            public void mergeTick(long nanos, int changedTopics) {
                active.forEach(listener -> listener.mergeTick(nanos, changedTopics));
            }

            @Override
            public void cachedTopics(int count) {
                active.forEach(listener -> listener.cachedTopics(count));
            }

            @Override
            public void cachedTopics(String rule, int count) {
                active.forEach(listener -> listener.cachedTopics(rule, count));
            }

            @Override
            public void inFlight(int count) {
                active.forEach(listener -> listener.inFlight(count));
            }

            @Override
            public void inFlight(String broker, int count) {
                active.forEach(listener -> listener.inFlight(broker, count));
            }
        };
    }

    /** A message arrived from a broker (every message, including those dropped afterwards). */
    default void received(String broker, String rule) {
    }

    /** A publish to a broker was issued. */
    default void forwarded(String broker, String rule) {
    }

    /** A publish to a broker failed (refused, or the endpoint was closed). */
    default void publishFailed(String broker, String rule) {
    }

    /**
     * A message was dropped. For {@link DropReason#EXPIRED}, {@code broker} is each broker the
     * deletion is published to.
     */
    default void dropped(String broker, String rule, DropReason reason) {
    }

    /** Stream mode: from the arrival of a message to the completion of its last target publish. */
    default void forwardLatency(long nanos) {
    }

    /** A merge tick ran: how long it took and how many changed topics it looked at. */
    default void mergeTick(long nanos, int changedTopics) {
    }

    /** Sampled at every merge tick: topics held in state mode memory (tombstones included). */
    default void cachedTopics(int count) {
    }

    /** Sampled at every merge tick, for each state mode rule: its topics held in memory (tombstones included). */
    default void cachedTopics(String rule, int count) {
    }

    /** Sampled at every merge tick: stream messages taken from the brokers and not yet acknowledged. */
    default void inFlight(int count) {
    }

    /** Sampled at every merge tick, for each broker: messages taken from it and not yet acknowledged. */
    default void inFlight(String broker, int count) {
    }
}

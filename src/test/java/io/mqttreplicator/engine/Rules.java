package io.mqttreplicator.engine;

import java.time.Duration;
import java.util.Set;

/** Builds topic rules for tests: {@code Rules.state("r", "sensors/#").retain().build()}. */
public final class Rules {

    private final String id;
    private final String filter;
    private ReplicationMode mode;
    private int qos = 1;
    private boolean retain;
    private Duration ttl = Duration.ZERO;
    private boolean noSubscribe;
    private MergeAlgorithm merge = MergeAlgorithm.LAST_WIN;
    private BrokerSelection subscribeOn = BrokerSelection.ALL;
    private BrokerSelection publishTo = BrokerSelection.ALL;

    private Rules(String id, String filter, ReplicationMode mode) {
        this.id = id;
        this.filter = filter;
        this.mode = mode;
    }

    public static Rules state(String id, String filter) {
        return new Rules(id, filter, ReplicationMode.STATE);
    }

    public static Rules stream(String id, String filter) {
        return new Rules(id, filter, ReplicationMode.STREAM);
    }

    public Rules qos(int qos) {
        this.qos = qos;
        return this;
    }

    public Rules retain() {
        this.retain = true;
        return this;
    }

    public Rules ttl(Duration ttl) {
        this.ttl = ttl;
        return this;
    }

    public Rules noSubscribe() {
        this.noSubscribe = true;
        return this;
    }

    public Rules merge(String algorithm) {
        this.merge = MergeAlgorithm.parse(algorithm);
        return this;
    }

    public Rules subscribeOn(Set<String> include, Set<String> exclude) {
        this.subscribeOn = new BrokerSelection(include, exclude);
        return this;
    }

    public Rules publishTo(Set<String> include, Set<String> exclude) {
        this.publishTo = new BrokerSelection(include, exclude);
        return this;
    }

    public TopicRule build() {
        return new TopicRule(id, filter, mode, qos, retain, ttl, noSubscribe, merge, subscribeOn, publishTo);
    }
}

package io.mqttreplicator.testing;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.BrokerSelection;
import io.mqttreplicator.engine.MergeAlgorithm;
import io.mqttreplicator.engine.ReplicationMode;
import io.mqttreplicator.engine.TopicRule;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Builders for broker settings and topic rules with the defaults a user would get. */
public final class Definitions {

    private Definitions() {
    }

    public static BrokerSettings broker(String name, String url) {
        return broker(name, url, 2);
    }

    public static BrokerSettings broker(String name, String url, int maxQos) {
        return new BrokerSettings(name, List.of(URI.create(url)), false, 4, maxQos,
                "test-" + name + "-" + Integer.toHexString(url.hashCode()), false, Duration.ofSeconds(30),
                Duration.ofMillis(200), Duration.ofSeconds(5), Optional.empty(), BrokerSettings.TlsSettings.DEFAULT);
    }

    public static RuleBuilder rule(String id, String filter) {
        return new RuleBuilder(id, filter);
    }

    /** A topic rule with MQTTREP_* defaults: state mode, QoS 1, lastwin, every broker. */
    public static final class RuleBuilder {
        private final String id;
        private final String filter;
        private ReplicationMode mode = ReplicationMode.STATE;
        private int qos = 1;
        private boolean retain;
        private Duration ttl = Duration.ZERO;
        private boolean noSubscribe;
        private MergeAlgorithm merge = MergeAlgorithm.LAST_WIN;
        private BrokerSelection subscribeOn = BrokerSelection.ALL;
        private BrokerSelection publishTo = BrokerSelection.ALL;

        private RuleBuilder(String id, String filter) {
            this.id = id;
            this.filter = filter;
        }

        public RuleBuilder stream() {
            mode = ReplicationMode.STREAM;
            return this;
        }

        public RuleBuilder qos(int value) {
            qos = value;
            return this;
        }

        public RuleBuilder retain() {
            retain = true;
            return this;
        }

        public RuleBuilder ttl(Duration value) {
            ttl = value;
            return this;
        }

        public RuleBuilder noSubscribe() {
            noSubscribe = true;
            return this;
        }

        public RuleBuilder merge(String algorithm) {
            merge = MergeAlgorithm.parse(algorithm);
            return this;
        }

        public RuleBuilder subscribeOn(Set<String> include, Set<String> exclude) {
            subscribeOn = new BrokerSelection(include, exclude);
            return this;
        }

        public RuleBuilder publishTo(Set<String> include, Set<String> exclude) {
            publishTo = new BrokerSelection(include, exclude);
            return this;
        }

        public TopicRule build() {
            return new TopicRule(id, filter, mode, qos, retain, ttl, noSubscribe, merge, subscribeOn, publishTo);
        }
    }
}

package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** What to replicate. Defaults are the schema's; the Java field values repeat them for servers that do not apply them. */
@ValidationRule(value = "self.brokers.all(b, self.brokers.exists_one(c, c.name == b.name))",
        message = "broker names must be unique", fieldPath = ".brokers", reason = "FieldValueDuplicate")
@ValidationRule(value = "self.topics.all(t, !has(t.name) || self.topics.exists_one(u, has(u.name) && u.name == t.name))",
        message = "topic rule names must be unique", fieldPath = ".topics", reason = "FieldValueDuplicate")
@ValidationRule(value = MqttReplicationSpec.SUBSCRIBE_ON_NAMES_BROKERS,
        message = "topics[].subscribeOn may only name brokers of spec.brokers", fieldPath = ".topics")
@ValidationRule(value = MqttReplicationSpec.PUBLISH_TO_NAMES_BROKERS,
        message = "topics[].publishTo may only name brokers of spec.brokers", fieldPath = ".topics")
public class MqttReplicationSpec {

    public static final int MAX_BROKERS = 32;
    public static final int MAX_TOPICS = 128;
    static final String SUBSCRIBE_ON_NAMES_BROKERS = "self.topics.all(t, !has(t.subscribeOn) || ("
            + "(!has(t.subscribeOn.include) || t.subscribeOn.include.all(n, self.brokers.exists(b, b.name == n))) && "
            + "(!has(t.subscribeOn.exclude) || t.subscribeOn.exclude.all(n, self.brokers.exists(b, b.name == n)))))";
    static final String PUBLISH_TO_NAMES_BROKERS = "self.topics.all(t, !has(t.publishTo) || ("
            + "(!has(t.publishTo.include) || t.publishTo.include.all(n, self.brokers.exists(b, b.name == n))) && "
            + "(!has(t.publishTo.exclude) || t.publishTo.exclude.all(n, self.brokers.exists(b, b.name == n)))))";

    @JsonPropertyDescription("State mode merge ticks per second: how often differing values are compared and the winner published. Default 1.")
    @Default("1")
    @Min(value = 0, inclusive = false)
    private double mergeFrequencyHz = 1;

    @JsonPropertyDescription("true stops replication and closes every broker connection; the resource is kept. Default false.")
    @Default("false")
    private boolean paused;

    @JsonPropertyDescription("The brokers to keep in sync, at least two, names unique.")
    @Required
    @Size(min = 2, max = MAX_BROKERS)
    private List<BrokerSpec> brokers = new ArrayList<>();

    @JsonPropertyDescription("The topic rules: which topics are replicated and how. A topic matching several rules takes the most specific one.")
    @Required
    @Size(min = 1, max = MAX_TOPICS)
    private List<TopicSpec> topics = new ArrayList<>();

    public double getMergeFrequencyHz() {
        return mergeFrequencyHz;
    }

    public void setMergeFrequencyHz(double mergeFrequencyHz) {
        this.mergeFrequencyHz = mergeFrequencyHz;
    }

    public boolean isPaused() {
        return paused;
    }

    public void setPaused(boolean paused) {
        this.paused = paused;
    }

    public List<BrokerSpec> getBrokers() {
        return brokers;
    }

    public void setBrokers(List<BrokerSpec> brokers) {
        this.brokers = brokers;
    }

    public List<TopicSpec> getTopics() {
        return topics;
    }

    public void setTopics(List<TopicSpec> topics) {
        this.topics = topics;
    }
}

package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One topic rule: a filter and how the topics it matches are replicated. */
public class TopicSpec {

    public static final String FILTER_PATTERN = "^(#|(\\+|[^/+#]*)(/(\\+|[^/+#]*))*(/#)?)$";
    public static final String MERGE_PATTERN = "^(lastwin|biggest|random|(jsonbiggest|msgpackbiggest):.+)$";

    /** How a rule replicates. */
    public enum Mode {
        /** Converge every broker on the same last value per topic. */
        @JsonProperty("state")
        STATE,
        /** Forward every message to every other broker. */
        @JsonProperty("stream")
        STREAM
    }

    @JsonPropertyDescription("A name for the rule (a DNS label), used in metrics. Default: its position, e.g. topics-0.")
    @Pattern(BrokerSpec.NAME_PATTERN)
    @Size(max = 63)
    private String name;

    @JsonPropertyDescription("The MQTT topic filter; + matches one level, # the rest. Topics starting with $ are never replicated."
            + " $share/{group}/{filter} subscribes as an MQTT shared subscription: stream mode, MQTT 5 brokers.")
    @Required
    @Pattern(FILTER_PATTERN)
    @Size(min = 1, max = 65535)
    private String filter;

    @JsonPropertyDescription("state: every broker converges on the last value of each topic (retained values, MQTT_Replicator); stream: every message is forwarded to every other broker, in order (Mosquitto bridge). Default state.")
    @Default("state")
    private Mode mode = Mode.STATE;

    @JsonPropertyDescription("The QoS subscribed with and the highest QoS published with (0, 1 or 2). Default 1.")
    @Default("1")
    @Min(0)
    @Max(2)
    private int qos = 1;

    @JsonPropertyDescription("true publishes every message of this rule retained. Default false.")
    @Default("false")
    private boolean retain;

    @JsonPropertyDescription("State mode: seconds without traffic after which a topic is deleted on every broker (an empty retained message); 0 = never. Default 0.")
    @Default("0")
    @Min(0)
    private long ttlSeconds;

    @JsonPropertyDescription("true: the filter is not subscribed; the rule's settings apply to topics other rules receive. Default false.")
    @Default("false")
    private boolean noSubscribe;

    @JsonPropertyDescription("State mode: how the winner among differing values is chosen: lastwin, biggest, random, jsonbiggest:<path>, msgpackbiggest:<path>. Default lastwin.")
    @Default("lastwin")
    @Pattern(MERGE_PATTERN)
    private String merge = "lastwin";

    @JsonPropertyDescription("The brokers on which the filter is subscribed. Default: all.")
    private BrokerSelectionSpec subscribeOn;

    @JsonPropertyDescription("The brokers to which this rule's messages are published. Default: all.")
    private BrokerSelectionSpec publishTo;

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getFilter() {
        return filter;
    }

    public void setFilter(String filter) {
        this.filter = filter;
    }

    public Mode getMode() {
        return mode;
    }

    public void setMode(Mode mode) {
        this.mode = mode;
    }

    public int getQos() {
        return qos;
    }

    public void setQos(int qos) {
        this.qos = qos;
    }

    public boolean isRetain() {
        return retain;
    }

    public void setRetain(boolean retain) {
        this.retain = retain;
    }

    public long getTtlSeconds() {
        return ttlSeconds;
    }

    public void setTtlSeconds(long ttlSeconds) {
        this.ttlSeconds = ttlSeconds;
    }

    public boolean isNoSubscribe() {
        return noSubscribe;
    }

    public void setNoSubscribe(boolean noSubscribe) {
        this.noSubscribe = noSubscribe;
    }

    public String getMerge() {
        return merge;
    }

    public void setMerge(String merge) {
        this.merge = merge;
    }

    public BrokerSelectionSpec getSubscribeOn() {
        return subscribeOn;
    }

    public void setSubscribeOn(BrokerSelectionSpec subscribeOn) {
        this.subscribeOn = subscribeOn;
    }

    public BrokerSelectionSpec getPublishTo() {
        return publishTo;
    }

    public void setPublishTo(BrokerSelectionSpec publishTo) {
        this.publishTo = publishTo;
    }
}

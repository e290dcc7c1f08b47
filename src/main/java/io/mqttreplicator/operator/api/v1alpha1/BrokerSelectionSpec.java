package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** A choice of brokers by name: the included ones (all when empty), minus the excluded ones. */
public class BrokerSelectionSpec {

    @JsonPropertyDescription("Broker names to take; empty = every broker.")
    @Size(max = MqttReplicationSpec.MAX_BROKERS)
    private List<@Size(max = 63) String> include = new ArrayList<>();

    @JsonPropertyDescription("Broker names to leave out.")
    @Size(max = MqttReplicationSpec.MAX_BROKERS)
    private List<@Size(max = 63) String> exclude = new ArrayList<>();

    public List<String> getInclude() {
        return include;
    }

    public void setInclude(List<String> include) {
        this.include = include;
    }

    public List<String> getExclude() {
        return exclude;
    }

    public void setExclude(List<String> exclude) {
        this.exclude = exclude;
    }
}

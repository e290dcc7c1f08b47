package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator observed: whether the replication works, and why not. Message counters are in metrics. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MqttReplicationStatus {

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Ready (configured and every broker connected), ResolvedRefs (referenced Secrets found and usable), BrokersConnected.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Each broker's connection.")
    private List<BrokerStatus> brokers = new ArrayList<>();

    @JsonPropertyDescription("Connected brokers out of all, e.g. 2/3.")
    private String connectedBrokers;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public List<BrokerStatus> getBrokers() {
        return brokers;
    }

    public void setBrokers(List<BrokerStatus> brokers) {
        this.brokers = brokers;
    }

    public String getConnectedBrokers() {
        return connectedBrokers;
    }

    public void setConnectedBrokers(String connectedBrokers) {
        this.connectedBrokers = connectedBrokers;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MqttReplicationStatus status
                && Objects.equals(observedGeneration, status.observedGeneration)
                && Objects.equals(conditions, status.conditions)
                && Objects.equals(brokers, status.brokers)
                && Objects.equals(connectedBrokers, status.connectedBrokers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, brokers, connectedBrokers);
    }
}

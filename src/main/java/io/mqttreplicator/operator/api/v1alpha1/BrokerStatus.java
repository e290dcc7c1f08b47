package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One broker's connection as the operator sees it. Never holds credentials. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class BrokerStatus {

    @JsonPropertyDescription("The broker's name in spec.brokers.")
    private String name;

    @JsonPropertyDescription("Connected, Connecting, Disconnected or Failed.")
    private String state;

    @JsonPropertyDescription("The address in use, or being tried.")
    private String address;

    @JsonPropertyDescription("When the broker entered this state (RFC 3339).")
    private String since;

    @JsonPropertyDescription("Why the last connection attempt failed or the connection ended, until the next connection.")
    private String lastError;

    public BrokerStatus() {
    }

    public BrokerStatus(String name, String state, String address, String since, String lastError) {
        this.name = name;
        this.state = state;
        this.address = address;
        this.since = since;
        this.lastError = lastError;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getState() {
        return state;
    }

    public void setState(String state) {
        this.state = state;
    }

    public String getAddress() {
        return address;
    }

    public void setAddress(String address) {
        this.address = address;
    }

    public String getSince() {
        return since;
    }

    public void setSince(String since) {
        this.since = since;
    }

    public String getLastError() {
        return lastError;
    }

    public void setLastError(String lastError) {
        this.lastError = lastError;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BrokerStatus status && Objects.equals(name, status.name)
                && Objects.equals(state, status.state) && Objects.equals(address, status.address)
                && Objects.equals(since, status.since) && Objects.equals(lastError, status.lastError);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, state, address, since, lastError);
    }
}

package io.mqttreplicator.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A Kubernetes-shaped status condition. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {

    @JsonPropertyDescription("The aspect described: Ready, ResolvedRefs or BrokersConnected.")
    private String type;

    @JsonPropertyDescription("True, False or Unknown.")
    private String status;

    @JsonPropertyDescription("Why, as a CamelCase word, e.g. InvalidSpec, SecretNotFound, BrokersNotConnected.")
    private String reason;

    @JsonPropertyDescription("Why, for people: names the field, Secret or broker concerned.")
    private String message;

    @JsonPropertyDescription("When status, reason or message last changed (RFC 3339).")
    private String lastTransitionTime;

    @JsonPropertyDescription("The metadata.generation this condition was set for.")
    private Long observedGeneration;

    public Condition() {
    }

    public Condition(String type, String status, String reason, String message, String lastTransitionTime,
            Long observedGeneration) {
        this.type = type;
        this.status = status;
        this.reason = reason;
        this.message = message;
        this.lastTransitionTime = lastTransitionTime;
        this.observedGeneration = observedGeneration;
    }

    public String getType() {
        return type;
    }

    public void setType(String type) {
        this.type = type;
    }

    public String getStatus() {
        return status;
    }

    public void setStatus(String status) {
        this.status = status;
    }

    public String getReason() {
        return reason;
    }

    public void setReason(String reason) {
        this.reason = reason;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public String getLastTransitionTime() {
        return lastTransitionTime;
    }

    public void setLastTransitionTime(String lastTransitionTime) {
        this.lastTransitionTime = lastTransitionTime;
    }

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    /** Same status, reason and message: what decides whether lastTransitionTime moves. */
    public boolean sameStateAs(Condition other) {
        return other != null && Objects.equals(status, other.status) && Objects.equals(reason, other.reason)
                && Objects.equals(message, other.message);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Condition condition && Objects.equals(type, condition.type) && sameStateAs(condition)
                && Objects.equals(lastTransitionTime, condition.lastTransitionTime)
                && Objects.equals(observedGeneration, condition.observedGeneration);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, status, reason, message, lastTransitionTime, observedGeneration);
    }

    @Override
    public String toString() {
        return type + "=" + status + " (" + reason + ": " + message + ")";
    }
}

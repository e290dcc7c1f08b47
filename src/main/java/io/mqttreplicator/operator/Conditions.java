package io.mqttreplicator.operator;

/** Condition types and reasons of a MqttReplication's status: the words `kubectl describe` shows. */
final class Conditions {

    static final String READY = "Ready";
    static final String RESOLVED_REFS = "ResolvedRefs";
    static final String BROKERS_CONNECTED = "BrokersConnected";

    static final String TRUE = "True";
    static final String FALSE = "False";
    static final String UNKNOWN = "Unknown";

    /** Ready=True: every broker connected, messages flow. */
    static final String REPLICATING = "Replicating";
    /** The spec breaks a rule the schema states; the message names the field. */
    static final String INVALID_SPEC = "InvalidSpec";
    /** A referenced Secret does not exist. */
    static final String SECRET_NOT_FOUND = "SecretNotFound";
    /** A referenced Secret exists but lacks a key or holds something unusable. */
    static final String INVALID_SECRET = "InvalidSecret";
    /** ResolvedRefs=True. */
    static final String RESOLVED = "Resolved";
    /** spec.paused is true. */
    static final String PAUSED = "Paused";
    /** BrokersConnected=True. */
    static final String ALL_CONNECTED = "AllConnected";
    /** At least one broker is not connected; the message says which and why. */
    static final String BROKERS_NOT_CONNECTED = "BrokersNotConnected";
    /** Nothing runs for this resource (yet): see the other conditions. */
    static final String NOT_RUNNING = "NotRunning";
    /** An unexpected error; the operator retries. */
    static final String RECONCILE_ERROR = "ReconcileError";

    private Conditions() {
    }
}

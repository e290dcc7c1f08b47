package io.mqttreplicator.broker;

/** Where a broker channel stands with its broker, as an operator would report it. */
public enum ConnectionState {
    /** Started and trying to reach the broker, never connected so far. */
    CONNECTING,
    /** Connected; messages flow. */
    CONNECTED,
    /** Not started, closed, or the connection was lost and a reconnect is scheduled. */
    DISCONNECTED,
    /**
     * The broker refused the connection (e.g. CONNACK "not authorized") or TLS failed: retrying
     * will not help until the configuration or the broker changes. Retried slowly all the same.
     */
    FAILED
}

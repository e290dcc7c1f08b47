package io.mqttreplicator.broker;

import java.util.Locale;

/** Who ended a connection that was up: what the {@code origin} tag of the connection-ends metric says. */
public enum ConnectionEnd {
    /** The broker sent DISCONNECT or closed the socket. */
    BROKER,
    /** The replicator closed it: a protocol error it saw, a keep-alive timeout, or on purpose (redelivery, failover). */
    REPLICATOR,
    /** The network failed under it (reset, unreachable). */
    NETWORK;

    /** The metric's tag value. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}

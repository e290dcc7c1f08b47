package io.mqttreplicator.replication;

import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.engine.EngineListener;

/**
 * Follows what the {@link ReplicationManager} runs: metrics and the operator's status are built from
 * these calls. Every {@code ReplicationObserver} bean is called; calls come from the manager's
 * callers and from the brokers' event loops, so implementations must be thread-safe and quick.
 */
public interface ReplicationObserver {

    /** A replication was started or changed; {@code definition} is what runs from now on. */
    default void applied(ReplicationDefinition definition) {
    }

    /** A replication was stopped and all its connections closed. */
    default void removed(String replication) {
    }

    /** A broker connection of a running replication changed state, address or error. */
    default void connectionChanged(String replication, ConnectionEvent event) {
    }

    /** What the replication's engine reports to; called when an engine starts. */
    default EngineListener engineListener(String replication) {
        return EngineListener.NONE;
    }
}

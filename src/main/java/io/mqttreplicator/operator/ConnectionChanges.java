package io.mqttreplicator.operator;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.replication.ReplicationObserver;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns broker connection changes into reconciliations of the resource they belong to, so its
 * status follows the connections without polling. Replications that do not come from a resource
 * (standalone mode) are not named namespace/name and are ignored, as are the shared rules' parts.
 */
@ApplicationScoped
class ConnectionChanges implements ReplicationObserver {

    private final SimpleInboundEventSource<MqttReplication> eventSource = new SimpleInboundEventSource<>("broker-connections");

    SimpleInboundEventSource<MqttReplication> eventSource() {
        return eventSource;
    }

    @Override
    public void connectionChanged(String replication, ConnectionEvent event) {
        int slash = replication.indexOf('/');
        // the shared part, which every replica runs, is outside the status
        if (slash > 0 && !replication.endsWith(ReplicationTranslator.SHARED_SUFFIX)) {
            eventSource.propagateEvent(new ResourceID(replication.substring(slash + 1), replication.substring(0, slash)));
        }
    }
}

package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mqttreplicator.operator.api.v1alpha1.BrokerStatus;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Records Kubernetes Events on a MqttReplication (what `kubectl describe` lists under Events): a
 * broker connected or disconnected, the spec is invalid. Messages carry broker names, addresses and
 * errors, never credentials. A failure to record is logged, never thrown: events are a courtesy.
 */
@ApplicationScoped
class KubernetesEvents {

    static final String NORMAL = "Normal";
    static final String WARNING = "Warning";
    static final String CONNECTED = "Connected";
    static final String DISCONNECTED = "Disconnected";
    static final String COMPONENT = "mqtt-replicator";

    private static final Logger LOG = Logger.getLogger(KubernetesEvents.class);

    private final KubernetesClient client;
    private final Clock clock;

    KubernetesEvents(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Events for the brokers that connected or lost their connection between two statuses. */
    void brokerTransitions(MqttReplication resource, MqttReplicationStatus before, MqttReplicationStatus after) {
        List<BrokerStatus> previous = before == null ? List.of() : before.getBrokers();
        for (BrokerStatus broker : after.getBrokers()) {
            Optional<BrokerStatus> old = previous.stream().filter(b -> Objects.equals(b.getName(), broker.getName())).findFirst();
            boolean wasConnected = old.map(b -> CONNECTED.equals(b.getState())).orElse(false);
            boolean isConnected = CONNECTED.equals(broker.getState());
            if (isConnected && !wasConnected) {
                record(resource, NORMAL, CONNECTED, "Broker " + broker.getName() + " connected to " + broker.getAddress());
            } else if (wasConnected && !isConnected) {
                record(resource, WARNING, DISCONNECTED, "Broker " + broker.getName() + " is " + broker.getState()
                        + (broker.getLastError() == null ? "" : ": " + broker.getLastError()));
            }
        }
    }

    void record(MqttReplication resource, String type, String reason, String message) {
        String time = StatusBuilder.timestamp(clock.instant());
        var involved = new ObjectReferenceBuilder()
                .withApiVersion(resource.getApiVersion())
                .withKind(resource.getKind())
                .withName(resource.getMetadata().getName())
                .withNamespace(resource.getMetadata().getNamespace())
                .withUid(resource.getMetadata().getUid())
                .withResourceVersion(resource.getMetadata().getResourceVersion())
                .build();
        var event = new EventBuilder()
                .withNewMetadata()
                .withGenerateName(resource.getMetadata().getName() + "-")
                .withNamespace(resource.getMetadata().getNamespace())
                .endMetadata()
                .withInvolvedObject(involved)
                .withType(type)
                .withReason(reason)
                .withMessage(message)
                .withFirstTimestamp(time)
                .withLastTimestamp(time)
                .withCount(1)
                .withNewSource().withComponent(COMPONENT).endSource()
                .build();
        try {
            client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(event).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not record event %s for %s: %s", reason, ReplicationTranslator.replicationName(resource), e.getMessage());
        }
    }
}

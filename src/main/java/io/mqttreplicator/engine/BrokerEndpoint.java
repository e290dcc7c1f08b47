package io.mqttreplicator.engine;

import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * What the engine needs from one broker connection. The broker package implements it on a real
 * MQTT client; engine tests implement it in memory.
 */
public interface BrokerEndpoint {

    /** The broker's name in the replication definition. */
    String name();

    /**
     * Messages received on this broker's subscriptions, in the order the broker sent them. Acking
     * a message acknowledges it to the broker (PUBACK/PUBCOMP); a message never acked is
     * redelivered by the broker after a reconnect when the session is persistent. The stream
     * honours backpressure: not requesting stops reading from the broker.
     */
    Multi<Message<BrokerMessage>> inbound();

    /**
     * Publishes a message. The stage completes when the broker acknowledged it (QoS 1 and 2) or
     * when it was written (QoS 0), and completes exceptionally when the broker refused it or the
     * endpoint was closed.
     */
    CompletionStage<Void> publish(BrokerMessage message);

    /** Replaces the set of subscriptions: subscribes the new filters and unsubscribes the removed. */
    void updateSubscriptions(List<Subscription> subscriptions);

    /**
     * Whether a message this endpoint publishes comes back on its own matching subscription. True
     * for MQTT 3.1.1; false when the subscriptions use MQTT 5 No Local.
     */
    boolean echoesOwnPublishes();

    /**
     * The highest QoS the engine publishes to this broker with (the broker's configured
     * {@code maxQos}, for brokers that refuse or downgrade higher levels). 2 unless overridden.
     */
    default int maxQos() {
        return 2;
    }
}

package io.mqttreplicator.broker;

import io.mqttreplicator.engine.BrokerMessage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

/**
 * A message received from a broker. {@link #ack()} acknowledges it to the broker (PUBACK or PUBREC
 * once every earlier message is acknowledged too: the client keeps MQTT's order);
 * {@link #nack(Throwable)} asks the channel to have it redelivered. The first of the two wins.
 */
final class InboundMessage implements Message<BrokerMessage> {

    /** What the channel does with a negatively acknowledged message. */
    interface Redelivery {
        void nacked(InboundMessage message, Throwable reason);
    }

    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);
    private static final AtomicIntegerFieldUpdater<InboundMessage> SETTLED =
            AtomicIntegerFieldUpdater.newUpdater(InboundMessage.class, "settled");

    private final BrokerMessage payload;
    private final Runnable acknowledgement;
    private final Redelivery redelivery;
    /** The channel's connection number this message arrived on. */
    final long connection;
    private volatile int settled;

    InboundMessage(BrokerMessage payload, Runnable acknowledgement, Redelivery redelivery, long connection) {
        this.payload = payload;
        this.acknowledgement = acknowledgement;
        this.redelivery = redelivery;
        this.connection = connection;
    }

    @Override
    public BrokerMessage getPayload() {
        return payload;
    }

    @Override
    public CompletionStage<Void> ack(Metadata metadata) {
        if (SETTLED.compareAndSet(this, 0, 1)) {
            acknowledgement.run();
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata metadata) {
        if (reason == null) {
            throw new IllegalArgumentException("The reason must not be `null`");
        }
        if (SETTLED.compareAndSet(this, 0, 1)) {
            redelivery.nacked(this, reason);
        }
        return DONE;
    }

    @Override
    public Function<Metadata, CompletionStage<Void>> getAckWithMetadata() {
        return this::ack;
    }

    @Override
    public BiFunction<Throwable, Metadata, CompletionStage<Void>> getNackWithMetadata() {
        return this::nack;
    }

    /**
     * Releases the message in the client after a nack, once the connection it came on is gone: the
     * client then sends no PUBACK for it, but stops holding back the acknowledgements behind it.
     */
    void release() {
        acknowledgement.run();
    }

    @Override
    public String toString() {
        return "InboundMessage[" + payload + ", connection=" + connection + "]";
    }
}

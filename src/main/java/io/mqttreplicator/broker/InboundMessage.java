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
 * A message received from a broker. {@link #ack()} acknowledges it to the broker (PUBACK or PUBREC,
 * once every message received before it on the same connection is acknowledged too: see
 * {@link PublishReceiver}); {@link #nack(Throwable)} asks the channel to have it redelivered. The
 * first of the two wins.
 */
final class InboundMessage implements Message<BrokerMessage> {

    /** What the channel does with a negatively acknowledged message. */
    interface Redelivery {
        void nacked(InboundMessage message, Throwable reason);
    }

    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);
    private static final int PENDING = 0;
    private static final int ACKED = 1;
    private static final int NACKED = 2;
    private static final AtomicIntegerFieldUpdater<InboundMessage> SETTLED =
            AtomicIntegerFieldUpdater.newUpdater(InboundMessage.class, "settled");

    private final BrokerMessage payload;
    /** The broker's packet identifier, 0 for QoS 0: what the acknowledgement carries back. */
    final int packetId;
    /** The connection it arrived on. */
    final PublishReceiver receiver;
    private volatile int settled;

    InboundMessage(BrokerMessage payload, int packetId, PublishReceiver receiver) {
        this.payload = payload;
        this.packetId = packetId;
        this.receiver = receiver;
    }

    @Override
    public BrokerMessage getPayload() {
        return payload;
    }

    @Override
    public CompletionStage<Void> ack(Metadata metadata) {
        if (SETTLED.compareAndSet(this, PENDING, ACKED)) {
            receiver.acknowledged();
        }
        return DONE;
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason, Metadata metadata) {
        if (reason == null) {
            throw new IllegalArgumentException("The reason must not be `null`");
        }
        if (SETTLED.compareAndSet(this, PENDING, NACKED)) {
            receiver.nacked(this, reason);
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

    boolean isAcked() {
        return settled == ACKED;
    }

    /**
     * Acknowledges a nacked message after all: when the broker would not redeliver it anyway (QoS 0,
     * a clean session), so that the messages behind it are not held back.
     */
    void release() {
        settled = ACKED;
        receiver.acknowledged();
    }

    @Override
    public String toString() {
        return "InboundMessage[" + payload + ", packetId=" + packetId + "]";
    }
}

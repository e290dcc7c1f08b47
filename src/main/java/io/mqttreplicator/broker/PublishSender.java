package io.mqttreplicator.broker;

import com.hivemq.client.internal.mqtt.handler.subscribe.MqttSubscriptionHandler;
import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.engine.SharedSubscription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.collection.IntObjectHashMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The publish path of one {@link BrokerChannel}: encodes PUBLISH packets itself, writes them on the
 * current connection beside the HiveMQ client (through the {@link PublishReceiver}'s place in the
 * pipeline, under TLS and WebSocket framing alike), and takes their acknowledgements from the
 * receiver before the client sees them. The client keeps connecting, subscribing and keep-alive.
 * <p>
 * <b>Why not the client's.</b> Its asynchronous publish builds a message, a reactive flow, a merged
 * one-message stream and two futures for each publish, and queues it to its event loop; the
 * acknowledgement travels back through as many. Here a publish is one future, and the publishes
 * and acknowledgements of one event-loop pass share a buffer and a write.
 * <p>
 * <b>Guarantees.</b> Publishes are written in the order they were made. At most the broker's
 * Receive Maximum (MQTT 5; 65,525 in MQTT 3.1.1, the identifiers the client leaves to publishes, of
 * which {@value #MQTT3_QOS2_IN_FLIGHT} QoS 2) wait for their acknowledgement; the rest wait here,
 * without a bound (the caller limits what it has in flight). A QoS 0 publish completes once
 * written, a QoS 1 one at its PUBACK, a QoS 2 one at its PUBCOMP; an MQTT 5 refusal (reason code
 * 0x80 or above) fails it with {@link PublishRefusedException}. A connection that ends keeps what
 * is unacknowledged: the next one sends it again first, in order, as a resent PUBLISH (DUP) or
 * PUBREL when the broker kept the session, as new publishes when it did not, and no more at a time
 * than the broker's Receive Maximum on that connection, which may be lower than before (Mosquitto
 * refuses a publish beyond it with QUOTA_EXCEEDED).
 * <p>
 * <b>Threads.</b> {@link #submit} from any thread; the rest on the connection's event loop. One lock
 * guards the state: a channel's connections may be on different event loops over its life.
 */
final class PublishSender {

    /** The client takes the identifiers above this for SUBSCRIBE and UNSUBSCRIBE. */
    static final int MAX_PACKET_ID = 65_535 - MqttSubscriptionHandler.MAX_SUB_PENDING;
    /**
     * QoS 2 publishes unacknowledged at most over MQTT 3.1.1, which cannot say how many a broker
     * takes. Mosquitto applies its {@code max_inflight_messages} (default 20) to the QoS 2 publishes
     * it receives over MQTT 3.1.1 too, and while that many wait for their PUBREL it acknowledges and
     * drops every further QoS 1 or 2 publish: half its default leaves room for the QoS 1 ones.
     */
    static final int MQTT3_QOS2_IN_FLIGHT = 10;
    /** A batch is written once it has this many bytes, and a new one begun. */
    private static final int BATCH_BYTES = 64 * 1024;
    private static final int PUBLISH = 0x30;
    private static final int PUBREL = 0x62;
    private static final int USER_PROPERTY = 0x26;
    private static final byte[] ORIGIN_NAME = SharedSubscription.ORIGIN_PROPERTY.getBytes(StandardCharsets.UTF_8);

    /** A publish on its way: completes once, when acknowledged, written (QoS 0), refused or given up. */
    static final class Publish extends CompletableFuture<Void> {
        final BrokerMessage message;
        final int qos;
        /** Lock: the identifier while unacknowledged, else 0. */
        private int packetId;
        /** Lock: PUBREC received (QoS 2), PUBCOMP awaited. */
        private boolean released;
        /** Lock: leaves {@link #order} at its head. */
        private boolean finished;
        /** Lock: unacknowledged on an earlier connection, in {@link #resend} until this one has room for it. */
        private boolean waitingToResend;

        Publish(BrokerMessage message, int qos) {
            this.message = message;
            this.qos = qos;
        }
    }

    private final String broker;
    private final boolean mqtt5;
    private final Object lock = new Object();
    /** Every publish not finished, in publish order; finished ones leave from the head. */
    private final ArrayDeque<Publish> order = new ArrayDeque<>();
    /** Not yet written on the current connection, in publish order. */
    private final ArrayDeque<Publish> unsent = new ArrayDeque<>();
    /**
     * Unacknowledged on an earlier connection and beyond the current one's Receive Maximum, in
     * publish order: sent again as acknowledgements make room, before anything {@link #unsent}.
     */
    private final ArrayDeque<Publish> resend = new ArrayDeque<>();
    /** Of {@link #resend}, those still waiting (not finished meanwhile). */
    private int waitingToResend;
    /** Whether the current connection's broker kept the session: resent publishes carry DUP. */
    private boolean sessionPresent;
    /** The unacknowledged, by packet identifier (a map, not an array: most channels have few in flight). */
    private final ByPacketId byPacketId = new ByPacketId();
    private int unacknowledged;
    /** Of {@link #unacknowledged}, QoS 2 ones. */
    private int unacknowledgedQos2;
    private int nextPacketId = 1;
    private int sendMaximum = MAX_PACKET_ID;
    /** Where to write; null between connections. */
    private ChannelHandlerContext context;
    private PublishReceiver receiver;
    private boolean drainScheduled;
    private final Runnable drainTask = this::drain;

    PublishSender(String broker, int protocolVersion) {
        this.broker = broker;
        this.mqtt5 = protocolVersion == 5;
    }

    /** Queues the publish; it is written on the current connection's event loop, or on the next connection. */
    Publish submit(BrokerMessage message, int qos) {
        Publish publish = new Publish(message, qos);
        synchronized (lock) {
            order.add(publish);
            unsent.add(publish);
            scheduleDrain();
        }
        return publish;
    }

    /**
     * A connection is up, with its receiver in the pipeline: sends again what is unacknowledged, as
     * far as the broker's Receive Maximum allows (a broker may come back with a lower one), then what
     * waits. On its event loop, before it reads anything more.
     */
    void connected(PublishReceiver connectionReceiver, boolean brokerKeptSession, int brokerReceiveMaximum) {
        synchronized (lock) {
            context = connectionReceiver.context();
            receiver = connectionReceiver;
            sessionPresent = brokerKeptSession;
            sendMaximum = Math.max(1, Math.min(brokerReceiveMaximum, MAX_PACKET_ID));
            resend.clear();
            waitingToResend = 0;
            int inFlight = 0;
            ByteBuf out = null;
            for (Publish publish : order) {
                publish.waitingToResend = false;
                if (publish.finished || publish.packetId == 0) {
                    continue;
                }
                if (publish.released && sessionPresent) {
                    out = writePubRel(out, publish.packetId); // PUBREL takes no room, but counts here to be safe
                } else if (inFlight >= sendMaximum) {
                    publish.released = false;
                    publish.waitingToResend = true;
                    resend.add(publish);
                    waitingToResend++;
                    continue;
                } else {
                    publish.released = false;
                    out = encode(out, publish, sessionPresent);
                }
                inFlight++;
                out = writeIfFull(out);
            }
            if (out != null) {
                context.write(out, context.voidPromise());
            }
            context.flush();
            scheduleDrain();
        }
    }

    /** The connection ended: what it did not see acknowledged is sent again on the next one. */
    void disconnected() {
        synchronized (lock) {
            context = null;
            receiver = null;
        }
    }

    /** Whether publishes are written and not yet acknowledged, or wait to be written. */
    boolean awaitingAcknowledgements() {
        synchronized (lock) {
            return unacknowledged > 0 || !unsent.isEmpty();
        }
    }

    /** The oldest publish not finished, or null. */
    Publish oldest() {
        synchronized (lock) {
            trimFinished();
            return order.peek();
        }
    }

    /** A PUBACK, or an MQTT 5 PUBREC refusing (its reason code, else null). */
    void acknowledged(int packetId, String refusal) {
        Publish publish;
        synchronized (lock) {
            publish = byPacketId.get(packetId);
            if (publish == null || (publish.released && refusal == null)) {
                return; // not ours, or a PUBACK where a PUBCOMP is due
            }
            release(publish);
        }
        finish(publish, refusal);
    }

    /** A PUBREC saying success: the publish arrived; PUBREL goes out and PUBCOMP is awaited. */
    void received(int packetId) {
        synchronized (lock) {
            Publish publish = byPacketId.get(packetId);
            if (publish == null || context == null) {
                return;
            }
            publish.released = true;
            context.writeAndFlush(writePubRel(null, packetId), context.voidPromise());
        }
    }

    /** A PUBCOMP: the QoS 2 publish is done. */
    void completed(int packetId) {
        Publish publish;
        synchronized (lock) {
            publish = byPacketId.get(packetId);
            if (publish == null || !publish.released) {
                return;
            }
            release(publish);
        }
        finish(publish, null);
    }

    /** Fails the publish and forgets it: it is not sent again. */
    void giveUp(Publish publish, Throwable error) {
        synchronized (lock) {
            if (publish.finished) {
                return;
            }
            if (publish.packetId != 0) {
                release(publish);
            } else {
                publish.finished = true;
                unsent.remove(publish);
            }
        }
        publish.completeExceptionally(error);
    }

    /** Fails every publish not finished (the channel closes). */
    void failAll(Throwable error) {
        List<Publish> failed;
        synchronized (lock) {
            failed = new ArrayList<>(order);
            order.clear();
            unsent.clear();
            resend.clear();
            waitingToResend = 0;
            byPacketId.clear();
            for (Publish publish : failed) {
                publish.finished = true;
            }
            unacknowledged = 0;
            unacknowledgedQos2 = 0;
        }
        for (Publish publish : failed) {
            publish.completeExceptionally(error);
        }
    }

    /** Lock held. Frees the identifier and lets waiting publishes out. */
    private void release(Publish publish) {
        byPacketId.remove(publish.packetId);
        publish.packetId = 0;
        publish.finished = true;
        unacknowledged--;
        if (publish.qos == 2) {
            unacknowledgedQos2--;
        }
        if (publish.waitingToResend) {
            publish.waitingToResend = false;
            waitingToResend--;
        }
        trimFinished();
        scheduleDrain();
    }

    private void finish(Publish publish, String refusal) {
        if (refusal == null) {
            publish.complete(null);
        } else {
            publish.completeExceptionally(new PublishRefusedException(broker, publish.message.topic(), refusal, null));
        }
    }

    private void trimFinished() {
        while (!order.isEmpty() && order.peek().finished) {
            order.poll();
        }
    }

    /** Lock held. One drain task at a time on the connection's event loop. */
    private void scheduleDrain() {
        if (context != null && !drainScheduled && (!unsent.isEmpty() || waitingToResend > 0)) {
            drainScheduled = true;
            context.executor().execute(drainTask);
        }
    }

    /** On the event loop: writes what waits, as far as the broker's Receive Maximum allows, in one flush. */
    private void drain() {
        List<Publish> written = null;
        synchronized (lock) {
            drainScheduled = false;
            if (context == null) {
                return;
            }
            ByteBuf batch = null;
            boolean wrote = false;
            boolean expectAcknowledgements = false;
            Publish publish;
            while (waitingToResend > 0 && unacknowledged - waitingToResend < sendMaximum) {
                publish = resend.poll();
                if (publish.waitingToResend) {
                    publish.waitingToResend = false;
                    waitingToResend--;
                    batch = writeIfFull(encode(batch, publish, sessionPresent));
                    wrote = true;
                    expectAcknowledgements = true;
                }
            }
            // nothing new before what waits to be sent again, not even QoS 0: in publish order
            while (waitingToResend == 0 && (publish = unsent.peek()) != null && mayWrite(publish)) {
                unsent.poll();
                if (publish.finished) {
                    continue;
                }
                if (publish.qos > 0) {
                    publish.packetId = nextPacketId();
                    byPacketId.put(publish.packetId, publish);
                    unacknowledged++;
                    if (publish.qos == 2) {
                        unacknowledgedQos2++;
                    }
                    expectAcknowledgements = true;
                } else {
                    publish.finished = true;
                    if (written == null) {
                        written = new ArrayList<>();
                    }
                    written.add(publish);
                }
                batch = writeIfFull(encode(batch, publish, false));
                wrote = true;
            }
            if (batch != null) {
                context.write(batch, context.voidPromise());
            }
            if (wrote) {
                context.flush();
            }
            trimFinished();
            if (expectAcknowledgements) {
                receiver.ownPublishSent();
            }
        }
        if (written != null) {
            for (Publish done : written) {
                done.complete(null); // QoS 0: complete once written
            }
        }
    }

    /** Lock held: whether the broker takes the publish now. */
    private boolean mayWrite(Publish publish) {
        return publish.qos == 0 || unacknowledged < sendMaximum
                && (publish.qos == 1 || mqtt5 || unacknowledgedQos2 < MQTT3_QOS2_IN_FLIGHT);
    }

    /** Lock held; a free identifier exists, as fewer than {@link #MAX_PACKET_ID} are in use. */
    private int nextPacketId() {
        int id = nextPacketId;
        while (byPacketId.containsKey(id)) {
            id = id == MAX_PACKET_ID ? 1 : id + 1;
        }
        nextPacketId = id == MAX_PACKET_ID ? 1 : id + 1;
        return id;
    }

    /** Appends the PUBLISH to {@code out} (a new buffer when null). */
    private ByteBuf encode(ByteBuf out, Publish publish, boolean dup) {
        BrokerMessage message = publish.message;
        int topicBytes = ByteBufUtil.utf8Bytes(message.topic());
        int originBytes = mqtt5 && message.origin() != null ? ByteBufUtil.utf8Bytes(message.origin()) : -1;
        int properties = originBytes < 0 ? 0 : 1 + 2 + ORIGIN_NAME.length + 2 + originBytes;
        int remaining = 2 + topicBytes + (publish.qos > 0 ? 2 : 0)
                + (mqtt5 ? variableByteIntegerBytes(properties) + properties : 0) + message.payload().length;
        ByteBuf buffer = out != null ? out : context.alloc().ioBuffer(Math.max(remaining + 5, 1024));
        buffer.writeByte(PUBLISH | (dup ? 0x08 : 0) | publish.qos << 1 | (message.retain() ? 1 : 0));
        writeVariableByteInteger(buffer, remaining);
        buffer.writeShort(topicBytes);
        ByteBufUtil.writeUtf8(buffer, message.topic());
        if (publish.qos > 0) {
            buffer.writeShort(publish.packetId);
        }
        if (mqtt5) {
            writeVariableByteInteger(buffer, properties);
            if (originBytes >= 0) {
                buffer.writeByte(USER_PROPERTY);
                buffer.writeShort(ORIGIN_NAME.length).writeBytes(ORIGIN_NAME);
                buffer.writeShort(originBytes);
                ByteBufUtil.writeUtf8(buffer, message.origin());
            }
        }
        buffer.writeBytes(message.payload());
        return buffer;
    }

    /** Lock held: writes a batch that reached {@link #BATCH_BYTES} (null then, to begin a new one). */
    private ByteBuf writeIfFull(ByteBuf batch) {
        if (batch.readableBytes() < BATCH_BYTES) {
            return batch;
        }
        context.write(batch, context.voidPromise());
        return null;
    }

    private ByteBuf writePubRel(ByteBuf out, int packetId) {
        ByteBuf buffer = out != null ? out : context.alloc().ioBuffer(PublishReceiver.ACKNOWLEDGEMENT_BYTES);
        PublishReceiver.writeAcknowledgement(buffer, PUBREL, packetId);
        return buffer;
    }

    /**
     * Publishes by packet identifier. Netty's map places a key by its low bits and, on removal, moves
     * back the run of entries that follows it: identifiers given out in sequence made one run as long
     * as the publishes in flight, which every acknowledgement walked (15 % of the replicator's CPU in
     * the state sync, with 4,096 in flight). Mixed first (MurmurHash3's finalizer, one to one),
     * they spread over the table.
     */
    static final class ByPacketId {
        private final IntObjectHashMap<Publish> map = new IntObjectHashMap<>();

        Publish get(int packetId) {
            return map.get(mix(packetId));
        }

        boolean containsKey(int packetId) {
            return map.containsKey(mix(packetId));
        }

        void put(int packetId, Publish publish) {
            map.put(mix(packetId), publish);
        }

        void remove(int packetId) {
            map.remove(mix(packetId));
        }

        void clear() {
            map.clear();
        }

        /** One to one: distinct identifiers stay distinct keys. */
        static int mix(int key) {
            int h = key;
            h ^= h >>> 16;
            h *= 0x85EBCA6B;
            h ^= h >>> 13;
            h *= 0xC2B2AE35;
            h ^= h >>> 16;
            return h;
        }
    }

    static int variableByteIntegerBytes(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    static void writeVariableByteInteger(ByteBuf out, int value) {
        int rest = value;
        do {
            int digit = rest & 0x7F;
            rest >>>= 7;
            out.writeByte(rest > 0 ? digit | 0x80 : digit);
        } while (rest > 0);
    }
}

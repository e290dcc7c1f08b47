package io.mqttreplicator.broker;

import com.hivemq.client.internal.mqtt.codec.decoder.MqttDecoder;
import com.hivemq.client.internal.mqtt.datatypes.MqttUserPropertyImpl;
import com.hivemq.client.internal.mqtt.message.ping.MqttPingReq;
import com.hivemq.client.internal.mqtt.message.ping.MqttPingResp;
import com.hivemq.client.internal.mqtt.message.publish.MqttPublish;
import com.hivemq.client.internal.mqtt.message.publish.MqttStatefulPublish;
import com.hivemq.client.internal.mqtt.message.publish.puback.MqttPubAck;
import com.hivemq.client.internal.mqtt.message.publish.pubcomp.MqttPubComp;
import com.hivemq.client.internal.mqtt.message.publish.pubrec.MqttPubRec;
import com.hivemq.client.internal.mqtt.message.publish.pubrel.MqttPubRel;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.engine.SharedSubscription;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * The receive path of one connection: a Netty handler right behind the HiveMQ client's decoder
 * that takes every PUBLISH and PUBREL the broker sends, before the client's own incoming QoS
 * handling sees them, hands each message on, and writes the acknowledgements itself. It also takes
 * the broker's PUBACK, PUBREC and PUBCOMP for the channel's own publishes, to its
 * {@link PublishSender}, which writes through this handler's place in the pipeline.
 * <p>
 * <b>Why not the client's.</b> Mosquitto gives a message its packet identifier when it queues it
 * for a client and never checks whether that identifier is still in flight (eclipse-mosquitto
 * #3601, every version), and once acknowledgements flow it sends its whole queue without waiting
 * for its in-flight limit. With more than 65,535 QoS 1 messages queued for the replicator, which
 * acknowledges only once the targets did, new publishes arrive under identifiers not yet
 * acknowledged, and a resumed session resends more than 65,535 at once. The client takes the first
 * for a protocol error ("DUP flag must be set for a resent PUBLISH") and the second for a flow
 * control error, and closes the connection; the resumed session replays the same, for good.
 * <p>
 * <b>What it does instead.</b> Every PUBLISH is a new message; its packet identifier is only what
 * its acknowledgement carries back. Acknowledgements (PUBACK, PUBREC) go out in the order the
 * messages arrived, whatever order they are acked in, so the broker, which matches an
 * acknowledgement to its oldest message in flight with that identifier (Mosquitto's
 * {@code db__message_delete_outgoing}), always retires the right one. A PUBREL is answered with a
 * PUBCOMP at once. A resent message (DUP) is delivered again: at least once, as every message of a
 * resumed session.
 * <p>
 * <b>Flow control.</b> At most {@link #WINDOW} messages received and not yet acknowledged: at the
 * window the connection stops reading, and the broker keeps the rest in its queue for the session
 * (TCP backpressure). The broker's acknowledgements of this channel's own publishes arrive behind
 * its publishes on the same connection, though, and waiting for them while not reading would hold
 * two brokers forwarding to each other in a deadlock. So while publishes to this broker wait for
 * their acknowledgement, reading goes on up to {@link #HARD_LIMIT} messages.
 * <p>
 * <b>Keep-alive while not reading.</b> The client sends PINGREQ after a keep-alive interval without
 * traffic, and closes the connection when no PINGRESP arrives within the next: a connection that
 * does not read because the targets are slow would be closed, and its session resumed with every
 * unacknowledged message sent again. So while reading is paused, a PINGREQ still goes to the broker
 * (which keeps the broker's own keep-alive satisfied) and is answered here, and so is one that went
 * out just before the pause; the broker's PINGRESPs are read, and ignored by the client, once
 * reading goes on. A dead connection is still noticed: by the
 * failed writes, or by the keep-alive once reading goes on.
 * <p>
 * <b>Threads.</b> Reads run on the connection's event loop. {@link InboundMessage#ack()} may come
 * from any thread: acknowledgements are collected and written by one task on the event loop, a
 * buffer and a flush per batch, encoded here (four bytes each). Once the connection has ended,
 * acknowledgements of its messages go nowhere: the broker sends what it had not seen acknowledged
 * again on the next connection.
 */
final class PublishReceiver extends ChannelDuplexHandler {

    private static final Logger LOG = Logger.getLogger(PublishReceiver.class);
    static final String NAME = "mqtt-replicator-receiver";
    /** Messages received and not yet acknowledged before the connection stops reading. */
    static final int WINDOW = 16_384;
    /** Reading starts again once this few are left. */
    static final int RESUME_AT = WINDOW / 2;
    /** Read on while own publishes wait for their acknowledgement, but no further than this. */
    static final int HARD_LIMIT = 4 * WINDOW;
    private static final int PUBACK = 0x40;
    private static final int PUBREC = 0x50;
    private static final int PUBCOMP = 0x70;
    static final int ACKNOWLEDGEMENT_BYTES = 4;

    /** Where a received message goes; called on the event loop, in arrival order. */
    interface Sink {
        void received(InboundMessage message);
    }

    private final Sink sink;
    private final InboundMessage.Redelivery redelivery;
    private final PublishSender sender;
    private final String broker;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drainAcknowledged;
    /** In arrival order; touched on the event loop only. */
    private final ArrayDeque<InboundMessage> unacknowledged = new ArrayDeque<>();
    private volatile ChannelHandlerContext ctx;
    private volatile boolean active = true;
    /** Written on the event loop only; {@link #ownPublishSent} reads it from the publishing thread. */
    private volatile boolean reading = true;
    /** A task to read for acknowledgements is queued: one at a time, however many publishes go out. */
    private final AtomicBoolean readRequested = new AtomicBoolean();
    /** A PINGREQ went out and no PINGRESP came back yet; event loop only. */
    private boolean pingOutstanding;

    /**
     * @param sink                        takes each message, in order
     * @param redelivery                  what a nack does
     * @param sender                      the channel's publishes: takes their acknowledgements
     * @param broker                      the broker's name, for the log
     */
    PublishReceiver(Sink sink, InboundMessage.Redelivery redelivery, PublishSender sender, String broker) {
        this.sink = sink;
        this.redelivery = redelivery;
        this.sender = sender;
        this.broker = broker;
    }

    /**
     * Puts the receiver behind the decoder of a connection just made, before the first message
     * after CONNACK is read (the client calls its connected listeners while it handles CONNACK).
     */
    void install(Channel channel) {
        channel.pipeline().addAfter(MqttDecoder.NAME, NAME, this);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
    }

    /** Where the channel's own packets are written: behind the client's encoder, TLS and WebSocket framing. */
    ChannelHandlerContext context() {
        return ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        if (msg instanceof MqttStatefulPublish publish) {
            received(publish);
        } else if (msg instanceof MqttPingResp) {
            pingOutstanding = false;
            context.fireChannelRead(msg);
        } else if (msg instanceof MqttPubAck pubAck) {
            Mqtt5PubAckReasonCode code = pubAck.getReasonCode();
            sender.acknowledged(pubAck.getPacketIdentifier(), code.isError() ? code.name() : null);
        } else if (msg instanceof MqttPubRec pubRec) {
            Mqtt5PubRecReasonCode code = pubRec.getReasonCode();
            if (code.isError()) {
                sender.acknowledged(pubRec.getPacketIdentifier(), code.name());
            } else {
                sender.received(pubRec.getPacketIdentifier());
            }
        } else if (msg instanceof MqttPubComp pubComp) {
            sender.completed(pubComp.getPacketIdentifier());
        } else if (msg instanceof MqttPubRel pubRel) {
            ByteBuf pubComp = context.alloc().ioBuffer(ACKNOWLEDGEMENT_BYTES);
            writeAcknowledgement(pubComp, PUBCOMP, pubRel.getPacketIdentifier());
            context.writeAndFlush(pubComp, context.voidPromise());
        } else {
            context.fireChannelRead(msg);
        }
    }

    private void received(MqttStatefulPublish stateful) {
        MqttPublish publish = stateful.stateless();
        int qos = publish.getQos().getCode();
        BrokerMessage message = new BrokerMessage(publish.getTopic().toString(), payload(publish), qos,
                publish.isRetain(), origin(publish));
        InboundMessage inbound = new InboundMessage(message, qos == 0 ? 0 : stateful.getPacketIdentifier(), this);
        unacknowledged.add(inbound);
        sink.received(inbound);
        if (reading && unacknowledged.size() >= WINDOW) {
            if (unacknowledged.size() >= HARD_LIMIT || !sender.awaitingAcknowledgements()) {
                setReading(false);
            }
        }
    }

    /**
     * The payload's bytes. The client's decoder copied them into a heap buffer of their own size,
     * which nothing else holds (the client never sees this message): its array is taken as it is
     * rather than copied again.
     */
    private static byte[] payload(MqttPublish publish) {
        ByteBuffer payload = publish.getRawPayload();
        if (payload != null && payload.hasArray() && payload.arrayOffset() == 0 && payload.position() == 0
                && payload.remaining() == payload.array().length) {
            return payload.array();
        }
        return publish.getPayloadAsBytes();
    }

    /** The origin mark of a forwarded message (an MQTT 5 user property), or null. */
    private static String origin(MqttPublish publish) {
        var properties = publish.getUserProperties().asList();
        for (int i = 0; i < properties.size(); i++) {
            MqttUserPropertyImpl property = properties.get(i);
            if (property.getName().toString().equals(SharedSubscription.ORIGIN_PROPERTY)) {
                return property.getValue().toString();
            }
        }
        return null;
    }

    /** An own publish was sent on this connection: its acknowledgement must be read. */
    void ownPublishSent() {
        if (!reading && active && readRequested.compareAndSet(false, true)) {
            ctx.executor().execute(this::readForAcknowledgements);
        }
    }

    private void readForAcknowledgements() {
        readRequested.set(false);
        if (!reading && active && unacknowledged.size() < HARD_LIMIT) {
            setReading(true);
        }
    }

    private void setReading(boolean on) {
        reading = on;
        ctx.channel().config().setAutoRead(on);
        if (!on && pingOutstanding) {
            answerPing(); // its PINGRESP waits behind what is not read now
        }
        LOG.debugf("Broker '%s': %s reading, %d messages received and not yet acknowledged", broker,
                on ? "resumes" : "pauses", unacknowledged.size());
    }

    /** Whether acknowledgements of this receiver's messages can still reach the broker. */
    boolean active() {
        return active;
    }

    /**
     * From {@link InboundMessage#ack()}, on any thread. The acknowledgements go out from a task on
     * the event loop, also when acked there, so that those of one pass share a buffer and a write.
     */
    void acknowledged() {
        if (active && drainScheduled.compareAndSet(false, true)) {
            ctx.executor().execute(drainTask);
        }
    }

    void nacked(InboundMessage message, Throwable reason) {
        redelivery.nacked(message, reason);
    }

    /** On the event loop: acknowledges, in arrival order, the messages acked so far. */
    private void drainAcknowledged() {
        drainScheduled.set(false);
        if (!active) {
            return;
        }
        ChannelHandlerContext context = ctx;
        ByteBuf acknowledgements = null;
        InboundMessage head;
        while ((head = unacknowledged.peek()) != null && head.isAcked()) {
            unacknowledged.poll();
            if (head.packetId != 0) {
                if (acknowledgements == null) {
                    acknowledgements = context.alloc().ioBuffer(ACKNOWLEDGEMENT_BYTES * 64);
                }
                writeAcknowledgement(acknowledgements, head.getPayload().qos() == 2 ? PUBREC : PUBACK, head.packetId);
            }
        }
        if (acknowledgements != null) {
            context.writeAndFlush(acknowledgements, context.voidPromise());
        }
        if (!reading && unacknowledged.size() <= RESUME_AT) {
            setReading(true);
        }
    }

    /**
     * A PUBACK, PUBREC, PUBREL or PUBCOMP saying success: the same four bytes in MQTT 3.1.1 and
     * MQTT 5, where a success without properties leaves out the reason code.
     */
    static void writeAcknowledgement(ByteBuf out, int fixedHeader, int packetId) {
        out.writeByte(fixedHeader).writeByte(2).writeShort(packetId);
    }

    @Override
    public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
        context.write(msg, promise);
        if (msg instanceof MqttPingReq) {
            pingOutstanding = true;
            if (!reading) {
                answerPing();
            }
        }
    }

    /** Answers the client's PINGREQ on the broker's behalf, while its PINGRESP cannot be read. */
    private void answerPing() {
        pingOutstanding = false;
        ctx.fireChannelRead(MqttPingResp.INSTANCE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        active = false;
        unacknowledged.clear();
        context.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext context) {
        active = false;
        unacknowledged.clear();
    }
}

package io.mqttreplicator.broker;

import io.mqttreplicator.engine.BrokerMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Subscribes to a channel's inbound stream, records what arrives, acks it if told to, and requests as told. */
final class InboundRecorder implements Flow.Subscriber<Message<BrokerMessage>> {

    private final boolean autoAck;
    private final long initialRequest;
    private final List<Message<BrokerMessage>> messages = new CopyOnWriteArrayList<>();
    private volatile Flow.Subscription subscription;
    private volatile boolean completed;
    private volatile Throwable failure;

    private InboundRecorder(boolean autoAck, long initialRequest) {
        this.autoAck = autoAck;
        this.initialRequest = initialRequest;
    }

    /** Requests in batches of 100 and acks every message. */
    static InboundRecorder acking(BrokerChannel channel) {
        return subscribe(channel, new InboundRecorder(true, 100));
    }

    /** Requests as told and acks nothing by itself. */
    static InboundRecorder manual(BrokerChannel channel, long initialRequest) {
        return subscribe(channel, new InboundRecorder(false, initialRequest));
    }

    private static InboundRecorder subscribe(BrokerChannel channel, InboundRecorder recorder) {
        channel.inbound().subscribe(recorder);
        return recorder;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        if (initialRequest > 0) {
            subscription.request(initialRequest);
        }
    }

    @Override
    public void onNext(Message<BrokerMessage> message) {
        messages.add(message);
        if (autoAck) {
            message.ack();
            if (messages.size() % 100 == 0) {
                subscription.request(100);
            }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        failure = throwable;
    }

    @Override
    public void onComplete() {
        completed = true;
    }

    void request(long n) {
        subscription.request(n);
    }

    void cancel() {
        subscription.cancel();
    }

    List<Message<BrokerMessage>> messages() {
        return List.copyOf(messages);
    }

    List<BrokerMessage> payloads() {
        return messages.stream().map(Message::getPayload).toList();
    }

    List<BrokerMessage> on(String topic) {
        return payloads().stream().filter(message -> message.topic().equals(topic)).toList();
    }

    List<String> texts(String topic) {
        return on(topic).stream().map(InboundRecorder::text).toList();
    }

    Message<BrokerMessage> first(String topic) {
        return messages.stream().filter(message -> message.getPayload().topic().equals(topic)).findFirst().orElseThrow();
    }

    static String text(BrokerMessage message) {
        return new String(message.payload(), StandardCharsets.UTF_8);
    }

    boolean completed() {
        return completed;
    }

    Throwable failure() {
        return failure;
    }
}

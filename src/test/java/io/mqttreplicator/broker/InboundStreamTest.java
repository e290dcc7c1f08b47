package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.engine.BrokerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * The inbound stream's demand towards the client: a full buffer, whatever the subscriber asked,
 * so the client never holds undelivered messages behind the unacknowledged ones (its walk over
 * them on every event took most of its CPU).
 */
class InboundStreamTest {

    /** The client's side: records what it was asked for. */
    private static final class Upstream implements org.reactivestreams.Subscription {
        long requested;
        boolean cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** The engine's side: asks for {@code initial} messages and keeps what it gets. */
    private static final class Downstream implements Flow.Subscriber<Message<BrokerMessage>> {
        final List<Message<BrokerMessage>> received = new ArrayList<>();
        final long initial;
        Flow.Subscription subscription;

        Downstream(long initial) {
            this.initial = initial;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(initial);
        }

        @Override
        public void onNext(Message<BrokerMessage> item) {
            received.add(item);
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }
    }

    private static InboundMessage message(int i) {
        return new InboundMessage(new BrokerMessage("t/" + i, new byte[] {(byte) i}, 1, false), () -> { }, (m, r) -> { }, 1);
    }

    @Test
    void asksTheClientForAFullBufferEvenWhenTheSubscriberAsksForOne() {
        InboundStream stream = new InboundStream("a");
        Upstream upstream = new Upstream();
        stream.onSubscribe(upstream);
        Downstream downstream = new Downstream(1);
        stream.subscribe(downstream);

        assertThat(upstream.requested).isEqualTo(InboundStream.BUFFER);

        for (int i = 0; i < 10; i++) {
            stream.onNext(message(i));
        }
        assertThat(downstream.received).hasSize(1);
        downstream.subscription.request(4);
        assertThat(downstream.received).extracting(m -> m.getPayload().topic())
                .containsExactly("t/0", "t/1", "t/2", "t/3", "t/4");
    }

    @Test
    void topsTheBufferUpInBatchesAsTheSubscriberTakesMessages() {
        InboundStream stream = new InboundStream("a");
        Upstream upstream = new Upstream();
        stream.onSubscribe(upstream);
        Downstream downstream = new Downstream(Long.MAX_VALUE);
        stream.subscribe(downstream);

        int few = 100;
        for (int i = 0; i < few; i++) {
            stream.onNext(message(i));
        }
        assertThat(upstream.requested).as("no request for a handful of messages").isEqualTo(InboundStream.BUFFER);

        int many = InboundStream.BUFFER;
        for (int i = few; i < many; i++) {
            stream.onNext(message(i));
        }
        assertThat(downstream.received).hasSize(many);
        // every message taken was asked for again, so a full buffer is outstanding once more
        assertThat(upstream.requested - downstream.received.size()).isGreaterThan(InboundStream.BUFFER * 15L / 16);
        assertThat(upstream.requested - downstream.received.size()).isLessThanOrEqualTo(InboundStream.BUFFER);
    }

    @Test
    void asksForNothingWithoutASubscriber() {
        InboundStream stream = new InboundStream("a");
        Upstream upstream = new Upstream();
        stream.onSubscribe(upstream);

        assertThat(upstream.requested).isZero();
    }
}

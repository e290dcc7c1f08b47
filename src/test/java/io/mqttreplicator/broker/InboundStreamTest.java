package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.engine.BrokerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/**
 * The inbound stream between the receive path and the engine: messages wait until asked for, and
 * those a cancelled subscriber did not take go to the next one, in order.
 */
class InboundStreamTest {

    /** The engine's side: asks for {@code initial} messages and keeps what it gets. */
    private static final class Downstream implements Flow.Subscriber<Message<BrokerMessage>> {
        final List<String> received = new ArrayList<>();
        final long initial;
        Flow.Subscription subscription;
        Throwable error;
        boolean completed;

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
            received.add(item.getPayload().topic());
        }

        @Override
        public void onError(Throwable throwable) {
            error = throwable;
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    private final PublishReceiver receiver = new PublishReceiver(message -> { }, (message, reason) -> { }, new PublishSender("a", 4), "a");

    private InboundMessage message(int i) {
        return new InboundMessage(new BrokerMessage("t/" + i, new byte[] {(byte) i}, 1, false), i + 1, receiver);
    }

    @Test
    void messagesWaitUntilTheSubscriberAsks() {
        InboundStream stream = new InboundStream("a");
        Downstream downstream = new Downstream(1);
        stream.subscribe(downstream);

        for (int i = 0; i < 10; i++) {
            stream.received(message(i));
        }
        assertThat(downstream.received).containsExactly("t/0");
        downstream.subscription.request(4);
        assertThat(downstream.received).containsExactly("t/0", "t/1", "t/2", "t/3", "t/4");
    }

    @Test
    void theNextSubscriberGetsWhatACancelledOneDidNotTake() {
        InboundStream stream = new InboundStream("a");
        Downstream first = new Downstream(2);
        stream.subscribe(first);
        for (int i = 0; i < 5; i++) {
            stream.received(message(i));
        }
        first.subscription.cancel();

        Downstream second = new Downstream(Long.MAX_VALUE);
        stream.subscribe(second);

        assertThat(first.received).containsExactly("t/0", "t/1");
        assertThat(second.received).containsExactly("t/2", "t/3", "t/4");
    }

    @Test
    void aSecondSubscriberWhileTheFirstIsThereIsRefused() {
        InboundStream stream = new InboundStream("a");
        stream.subscribe(new Downstream(1));
        Downstream second = new Downstream(1);

        stream.subscribe(second);

        assertThat(second.error).isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a subscriber");
    }

    @Test
    void closingCompletesTheSubscriber() {
        InboundStream stream = new InboundStream("a");
        Downstream downstream = new Downstream(1);
        stream.subscribe(downstream);
        stream.received(message(0));
        stream.received(message(1));

        stream.close();

        assertThat(downstream.completed).isTrue();
        assertThat(downstream.received).containsExactly("t/0");
    }
}

package io.mqttreplicator.broker;

import io.mqttreplicator.engine.BrokerMessage;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * The channel's messages, from its {@link PublishReceiver}s (one per connection, in turn) to one
 * downstream subscriber at a time. Messages wait here until the subscriber asks for them; how many
 * can wait is bounded by the receiver's window, which stops reading from the broker when that many
 * are unacknowledged. When a subscriber cancels, the messages still waiting go to the next one.
 */
final class InboundStream implements Flow.Publisher<Message<BrokerMessage>>, PublishReceiver.Sink {

    private final String broker;
    private final Queue<InboundMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Downstream> current = new AtomicReference<>();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean closed;

    InboundStream(String broker) {
        this.broker = broker;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super Message<BrokerMessage>> subscriber) {
        Downstream downstream = new Downstream(subscriber);
        for (;;) {
            Downstream previous = current.get();
            if (previous != null && !previous.cancelled && !previous.done) {
                reject(subscriber, new IllegalStateException("the inbound stream of broker '" + broker
                        + "' already has a subscriber"));
                return;
            }
            if (current.compareAndSet(previous, downstream)) {
                break;
            }
        }
        subscriber.onSubscribe(downstream);
        downstream.ready = true;
        drain();
    }

    private static void reject(Flow.Subscriber<?> subscriber, Throwable error) {
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
            }

            @Override
            public void cancel() {
            }
        });
        subscriber.onError(error);
    }

    /** Completes the current and every later subscriber. */
    void close() {
        closed = true;
        drain();
    }

    @Override
    public void received(InboundMessage message) {
        queue.offer(message);
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            Downstream downstream = current.get();
            if (downstream != null && downstream.ready && !downstream.done) {
                emit(downstream);
            } else if (closed) {
                queue.clear();
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void emit(Downstream downstream) {
        if (downstream.cancelled) {
            current.compareAndSet(downstream, null);
            return;
        }
        if (closed || downstream.badRequest != null) {
            downstream.done = true;
            if (closed) {
                queue.clear();
                downstream.subscriber.onComplete();
            } else {
                current.compareAndSet(downstream, null);
                downstream.subscriber.onError(downstream.badRequest);
            }
            return;
        }
        long requested = downstream.requested.get();
        long emitted = 0;
        while (emitted != requested && !downstream.cancelled) {
            InboundMessage message = queue.poll();
            if (message == null) {
                break;
            }
            downstream.subscriber.onNext(message);
            emitted++;
        }
        if (emitted != 0 && requested != Long.MAX_VALUE) {
            downstream.requested.addAndGet(-emitted);
        }
    }

    private final class Downstream implements Flow.Subscription {
        final Flow.Subscriber<? super Message<BrokerMessage>> subscriber;
        final AtomicLong requested = new AtomicLong();
        volatile boolean ready;
        volatile boolean cancelled;
        volatile boolean done;
        volatile IllegalArgumentException badRequest;

        Downstream(Flow.Subscriber<? super Message<BrokerMessage>> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                badRequest = new IllegalArgumentException("request must be positive (Reactive Streams §3.9): " + n);
            } else {
                requested.getAndAccumulate(n, (current, added) -> current + added < 0 ? Long.MAX_VALUE : current + added);
            }
            drain();
        }

        @Override
        public void cancel() {
            cancelled = true;
            drain();
        }
    }
}

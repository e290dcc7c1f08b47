package io.mqttreplicator.broker;

import io.mqttreplicator.engine.BrokerMessage;
import io.reactivex.FlowableSubscriber;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Bridges the client's one manual-acknowledgement publish flow, subscribed for the channel's whole
 * life, to one downstream subscriber at a time.
 * <p>
 * Why not hand the client's Flowable to each subscriber: cancelling a manual-acknowledgement flow
 * of the HiveMQ client while messages are queued for it leaves them unacknowledged in the client
 * for good, and the client acknowledges in order, so every later PUBACK would be held back
 * (MqttIncomingPublishService#emit drops a cancelled flow without counting its acknowledgement).
 * <p>
 * Demand does not pass through: while a subscriber is there, the upstream is asked for up to
 * {@link #BUFFER} messages beyond those the subscriber took, whatever the subscriber asked for,
 * and they wait here until it asks. The client keeps every delivered QoS 1 and 2 message until it
 * is acknowledged, in order, and on every received message and acknowledgement it walks from the
 * oldest one to the first it has not delivered yet
 * ({@code MqttIncomingPublishService#drain}): were demand passed through, a subscriber that
 * holds its window of unacknowledged messages would make each of those walks as long as the
 * window, which took most of the client's CPU. QoS 1 and 2 messages cost no more memory here
 * than in the client (the broker sends no more than its in-flight limit, at most 65,535,
 * unacknowledged), and QoS 0 messages are held to {@link #BUFFER}: beyond it they wait in the
 * client, which drops the oldest when too many wait. At most {@link #BUFFER} messages wait here
 * when a subscriber cancels; the next subscriber gets them first.
 */
final class InboundStream implements Flow.Publisher<Message<BrokerMessage>>, FlowableSubscriber<InboundMessage> {

    private static final Logger LOG = Logger.getLogger(InboundStream.class);
    /** MQTT's largest number of unacknowledged QoS 1 and 2 messages (16-bit packet identifiers). */
    static final int BUFFER = 65_535;
    /** Upstream requests are made in batches of at least this many, to save requests. */
    private static final int REQUEST_BATCH = BUFFER / 16;

    private final String broker;
    private final Queue<InboundMessage> queue = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Downstream> current = new AtomicReference<>();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile org.reactivestreams.Subscription upstream;
    private volatile boolean closed;
    private volatile Throwable failure;

    // only touched inside drain()
    private long upstreamRequested;
    private long delivered;

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

    /** Completes the current and every later subscriber and lets go of the client's flow. */
    void close() {
        closed = true;
        org.reactivestreams.Subscription subscription = upstream;
        if (subscription != null) {
            subscription.cancel();
        }
        drain();
    }

    @Override
    public void onSubscribe(org.reactivestreams.Subscription subscription) {
        upstream = subscription;
        if (closed) {
            subscription.cancel();
        }
        drain();
    }

    @Override
    public void onNext(InboundMessage message) {
        queue.offer(message);
        drain();
    }

    @Override
    public void onError(Throwable error) {
        if (!closed) {
            LOG.errorf(error, "Inbound flow of broker '%s' ended unexpectedly", broker);
        }
        failure = error;
        drain();
    }

    @Override
    public void onComplete() {
        if (!closed) {
            failure = new IllegalStateException("the inbound flow of broker '" + broker + "' ended");
        }
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
        if (closed || failure != null || downstream.badRequest != null) {
            downstream.done = true;
            queue.clear();
            if (downstream.badRequest != null && !closed && failure == null) {
                current.compareAndSet(downstream, null);
                downstream.subscriber.onError(downstream.badRequest);
            } else if (failure != null && !closed) {
                downstream.subscriber.onError(failure);
            } else {
                downstream.subscriber.onComplete();
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
        if (emitted != 0) {
            delivered += emitted;
            if (requested != Long.MAX_VALUE) {
                downstream.requested.addAndGet(-emitted);
            }
        }
        org.reactivestreams.Subscription subscription = upstream;
        if (subscription != null && !downstream.cancelled) {
            long covered = upstreamRequested - delivered; // queued here or requested and not arrived
            if (BUFFER - covered >= REQUEST_BATCH) {
                upstreamRequested += BUFFER - covered;
                subscription.request(BUFFER - covered);
            }
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

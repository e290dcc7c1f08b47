package io.mqttreplicator.engine;

import io.mqttreplicator.engine.EngineListener.DropReason;
import io.mqttreplicator.engine.Routes.Route;
import io.mqttreplicator.engine.StateTable.Outgoing;
import io.mqttreplicator.engine.StateTable.TopicState;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Decides what goes where for one replication: takes the messages of every broker's
 * {@link BrokerEndpoint#inbound()} and publishes them to the other brokers as the topic rules say.
 *
 * <p><b>Triggers.</b> An inbound message is handled on the thread that delivers it: it is matched
 * to the most specific rule (a {@code noSubscribe} rule applies to topics received through another
 * rule's subscription), recognised as the echo of the engine's own publish, or dropped when the
 * rule does not take it from that broker. {@code $} and {@code ActiveMQ/} topics are always
 * dropped. Stream rules forward at once; state rules record the value, and a merge tick on the
 * scheduler ({@code mergeFrequencyHz}) publishes the winner of each changed topic, deletes the
 * topics whose TTL passed and forgets old tombstones and lapsed echo expectations.
 *
 * <p><b>Guarantees.</b> Stream mode: each message is published once to every other broker the rule
 * publishes to, never back to its origin, in arrival order per source; the source message is
 * acknowledged only when every target publish completed (at-least-once; a failed publish is
 * logged, counted and still acknowledged, since the channel retries across reconnects and a refused
 * publish must not stall the rest); at most {@code maxInFlightPerSource} unacknowledged messages
 * are taken from a broker, so a slow target stops the sources instead of filling memory. State
 * mode: the brokers converge on the rule's merge winner per topic (see {@code StateTable});
 * messages are acknowledged once recorded, as the state lives in memory; at most
 * {@value #STATE_PUBLISHES_PER_TARGET} publishes are in flight to a broker, the further winners
 * wait in the state table for room. Both: an echo (same topic
 * and payload coming back on the broker the engine published to) is dropped, for endpoints that
 * {@linkplain BrokerEndpoint#echoesOwnPublishes() echo}.
 *
 * <p><b>Threading.</b> Stream forwarding shares no lock between sources: per source a counter of
 * messages in flight, per target a concurrent map of expected echoes, and publishes issued
 * synchronously in the source's delivery order (which keeps the order per source and topic).
 * State mode uses one monitor per replication ({@code StateTable}), held briefly by inbound threads
 * to record a value and by the tick for batches of 1024 topics; publishes are made after it is
 * released, so an endpoint that delivers synchronously cannot re-enter a half-done merge. One lock
 * is simpler than an event loop and costs little here: recording is a map lookup and the tick
 * never waits for a broker.
 */
public final class ReplicationEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReplicationEngine.class);
    private static final int MERGE_BATCH = 1024;
    /**
     * State mode publishes in flight to one broker before further ones wait in the state table.
     * Each costs about 0.6 KiB in the client until the broker acknowledges it, and such objects
     * outlive a young collection: with 32,768 the 256 MiB heap of the benchmark's 200,000 topics
     * went through two full collections, with 4,096 through none (and 40 MiB less RSS). The window
     * does not cap the rate: a broker back to half of it has its waiting topics merged at once.
     */
    static final int STATE_PUBLISHES_PER_TARGET = 4096;
    private static final long SWEEP_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final String replication;
    /**
     * The start of this replication's origin mark ({@code {origin}/{source}}). With a shared rule
     * every publish carries it, by which every instance recognises its forwards coming back. With or
     * without one, a message that carries it was forwarded by an instance, or another part, of this
     * replication (the operator runs the shared rules on every replica and the others on one), so it
     * is an echo here too.
     */
    private final String ownMark;
    /** Whether publishes carry {@link #ownMark}: with a shared rule. */
    private final boolean marksForwards;
    private final List<TopicRule> rules;
    private final long tickPeriodNanos;
    private final EngineOptions options;
    private final EngineListener listener;
    private final LongSupplier clock;
    private final Routes routes;
    private final Link[] links;
    private final StateTable state;
    private final long echoSweepIntervalNanos;
    private final long tombstoneRetentionNanos;
    private final AtomicLong nextWarning;
    private final AtomicLong unreportedFailures = new AtomicLong();

    private boolean started;
    private volatile boolean closed;
    private ScheduledExecutorService scheduler;
    private ScheduledFuture<?> ticks;
    private long lastSweep;
    private long lastEchoSweep;
    private final Object tickLock = new Object();
    private final AtomicBoolean extraTickRequested = new AtomicBoolean();

    /**
     * @param replication      the replication's name, for logs and thread names
     * @param mergeFrequencyHz state mode merge ticks per second
     * @param rules            the topic rules, in configuration order (it breaks ties between equal filters)
     * @param brokers          the brokers' endpoints, names unique; the engine never closes them
     * @param options          time, scheduler, limits and listener
     */
    public ReplicationEngine(String replication, double mergeFrequencyHz, List<TopicRule> rules,
            List<BrokerEndpoint> brokers, EngineOptions options) {
        this(replication, replication, mergeFrequencyHz, rules, brokers, options);
    }

    /**
     * @param origin what marks this replication's forwards, the same for every instance of it and
     *               different from every other replication that may share a broker with it
     */
    public ReplicationEngine(String replication, String origin, double mergeFrequencyHz, List<TopicRule> rules,
            List<BrokerEndpoint> brokers, EngineOptions options) {
        if (!(mergeFrequencyHz > 0) || Double.isInfinite(mergeFrequencyHz)) {
            throw new IllegalArgumentException("mergeFrequencyHz must be positive: " + mergeFrequencyHz);
        }
        this.replication = replication;
        this.rules = List.copyOf(rules);
        this.ownMark = origin + "/";
        this.marksForwards = this.rules.stream().anyMatch(rule -> SharedSubscription.isShared(rule.filter()));
        this.tickPeriodNanos = Math.max(1_000_000L, Math.round(1e9 / mergeFrequencyHz));
        this.options = options;
        this.listener = options.listener();
        this.clock = options.nanoTime();
        List<String> names = brokers.stream().map(BrokerEndpoint::name).toList();
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("broker names must be unique: " + names);
        }
        this.routes = new Routes(this.rules, names);
        long echoExpiry = nanos(options.echoExpiry());
        this.links = new Link[brokers.size()];
        String[] nameArray = names.toArray(String[]::new);
        int[] maxQos = new int[links.length];
        boolean[] echoes = new boolean[links.length];
        for (int i = 0; i < links.length; i++) {
            links[i] = new Link(i, brokers.get(i), echoExpiry, options.maxInFlightPerSource());
            maxQos[i] = links[i].maxQos;
            echoes[i] = links[i].echoes != null;
        }
        this.state = new StateTable(nameArray, maxQos, echoes, routes, options.random());
        this.echoSweepIntervalNanos = Math.max(SWEEP_INTERVAL_NANOS, echoExpiry / 4);
        this.tombstoneRetentionNanos = nanos(options.tombstoneRetention());
        this.nextWarning = new AtomicLong(clock.getAsLong());
    }

    /**
     * What each broker must subscribe for these rules, by broker name: the filters of the rules that
     * subscribe there ({@code noSubscribe} false, {@code subscribeOn} allowing it), each at the highest
     * QoS of the rules it serves. A filter covered by a wider one on the same broker is left out, as
     * brokers may deliver one copy per matching subscription. {@link #start()} applies them.
     */
    public static Map<String, List<Subscription>> subscriptions(List<TopicRule> rules, Collection<String> brokers) {
        return Routes.subscriptions(rules, brokers);
    }

    /**
     * Subscribes to every broker's {@code inbound()}, then gives every endpoint its subscriptions
     * ({@link BrokerEndpoint#updateSubscriptions}, so retained replays find the engine listening),
     * then starts the merge ticks.
     */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException("replication engine " + replication + " was already started");
        }
        started = true;
        for (Link link : links) {
            link.endpoint.inbound().subscribe().withSubscriber(link);
        }
        Map<String, List<Subscription>> subscriptions = subscriptions(rules, List.of(names()));
        for (Link link : links) {
            link.endpoint.updateSubscriptions(subscriptions.get(link.name));
        }
        lastSweep = clock.getAsLong();
        lastEchoSweep = lastSweep;
        scheduler = options.scheduler() != null ? options.scheduler() : Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "mqtt-replicator-merge-" + replication);
            thread.setDaemon(true);
            return thread;
        });
        ticks = scheduler.scheduleAtFixedRate(this::tick, tickPeriodNanos, tickPeriodNanos, TimeUnit.NANOSECONDS);
        LOG.infof("Replication %s: engine started for %d brokers and %d topic rules", replication, links.length, rules.size());
    }

    /**
     * Cancels the inbound subscriptions and stops the ticks. Messages taken and not yet acknowledged
     * stay unacknowledged (the broker redelivers them); the endpoints stay open.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ticks != null) {
            ticks.cancel(false);
        }
        for (Link link : links) {
            link.cancel();
        }
        if (options.scheduler() == null && scheduler != null) {
            scheduler.shutdown();
        }
        LOG.infof("Replication %s: engine stopped", replication);
    }

    private String[] names() {
        String[] names = new String[links.length];
        for (Link link : links) {
            names[link.index] = link.name;
        }
        return names;
    }

    private void tick() {
        try {
            synchronized (tickLock) {
                extraTickRequested.set(false);
                mergeTick();
            }
        } catch (RuntimeException unexpected) {
            LOG.errorf(unexpected, "Replication %s: merge tick failed", replication);
        }
    }

    /**
     * One merge tick: merges the changed topics and the deferred ones of brokers with room again,
     * and every second deletes expired topics and lapsed echoes.
     */
    void mergeTick() {
        long start = clock.getAsLong();
        List<TopicState> changed = state.takeDirty();
        List<Outgoing> outgoing = new ArrayList<>();
        boolean[] full = new boolean[links.length];
        mergeAll(changed, false, full, outgoing, start);
        for (Link link : links) {
            int room = STATE_PUBLISHES_PER_TARGET - link.statePublishes.get();
            if (room > 0) {
                mergeAll(state.takeDeferred(link.index, room), true, full, outgoing, start);
            }
        }
        for (Link link : links) {
            link.hasDeferred = state.hasDeferred(link.index);
        }
        if (start - lastSweep >= SWEEP_INTERVAL_NANOS) {
            lastSweep = start;
            state.sweep(start, tombstoneRetentionNanos, outgoing);
            publishAll(outgoing, start);
        }
        if (start - lastEchoSweep >= echoSweepIntervalNanos) {
            lastEchoSweep = start;
            for (Link link : links) {
                if (link.echoes != null) {
                    link.echoes.sweep(start);
                }
            }
        }
        listener.mergeTick(clock.getAsLong() - start, changed.size());
        listener.cachedTopics(state.size());
        state.sizeByRule().forEach(listener::cachedTopics);
        int inFlight = 0;
        for (Link link : links) {
            int ofLink = link.inFlight.get();
            inFlight += ofLink;
            listener.inFlight(link.name, ofLink);
        }
        listener.inFlight(inFlight);
    }

    /** Merges in batches, marking before each batch the brokers with no room for more publishes. */
    private void mergeAll(List<TopicState> topics, boolean deferred, boolean[] full, List<Outgoing> outgoing, long now) {
        for (int from = 0; from < topics.size(); from += MERGE_BATCH) {
            for (Link link : links) {
                full[link.index] = link.statePublishes.get() >= STATE_PUBLISHES_PER_TARGET;
                if (full[link.index]) {
                    link.hasDeferred = true; // before the publishes, so their completions see it
                }
            }
            state.merge(topics, from, Math.min(topics.size(), from + MERGE_BATCH), deferred, full, outgoing);
            publishAll(outgoing, now);
        }
    }

    private void publishAll(List<Outgoing> outgoing, long now) {
        for (Outgoing publish : outgoing) {
            Link target = links[publish.target()];
            if (publish.expiry()) {
                listener.dropped(target.name, publish.route().id(), DropReason.EXPIRED);
            }
            target.statePublishes.incrementAndGet();
            publish(target, publish.message(), publish.route(), publish.fingerprint(), publish.echoCopies(), publish.sequence(), now, null)
                    .whenComplete((ignored, failure) -> statePublishDone(target));
        }
        outgoing.clear();
    }

    /**
     * Once a broker that had no room is down to half its window, merges its deferred topics at
     * once rather than at the next tick, which at 1 Hz would cap it at one window per second.
     */
    private void statePublishDone(Link target) {
        // Only for a broker with deferred topics: otherwise a count going up and down around the
        // half mark would run tick after tick, each merging a handful of topics.
        if (target.statePublishes.decrementAndGet() == STATE_PUBLISHES_PER_TARGET / 2 && target.hasDeferred
                && scheduler != null && !closed && extraTickRequested.compareAndSet(false, true)) {
            try {
                scheduler.execute(this::tick);
            } catch (RejectedExecutionException shutDown) {
                extraTickRequested.set(false);
            }
        }
    }

    private void handle(Link source, Message<BrokerMessage> message) {
        BrokerMessage in = message.getPayload();
        String topic = in.topic();
        Route route = Routes.alwaysIgnored(topic) ? null : routes.resolve(topic);
        if (route == null) {
            listener.received(source.name, EngineListener.NO_RULE);
            drop(source, message, EngineListener.NO_RULE, DropReason.IGNORED);
            return;
        }
        listener.received(source.name, route.id());
        if (in.origin() != null && in.origin().startsWith(ownMark)) {
            // an instance of this replication published it: an echo, whichever instance it reached
            drop(source, message, route.id(), DropReason.ECHO);
            return;
        }
        long now = clock.getAsLong();
        long fingerprint = 0;
        if (source.echoes != null && !source.echoes.isEmpty()) {
            fingerprint = EchoFilter.fingerprint(in.payload());
            long sequence = source.echoes.consume(topic, fingerprint, in.payload().length, now);
            if (sequence != EchoFilter.NOT_AN_ECHO) {
                if (route.stateMode) {
                    state.recordEcho(source.index, in, fingerprint, sequence);
                }
                drop(source, message, route.id(), DropReason.ECHO);
                return;
            }
        }
        if (!route.subscribesOn[source.index] || route.targetsFrom[source.index].length == 0) {
            drop(source, message, route.id(), DropReason.DENIED);
        } else if (!route.stateMode) {
            forward(source, message, route, fingerprint, now);
        } else {
            if (fingerprint == 0) {
                fingerprint = EchoFilter.fingerprint(in.payload());
            }
            if (state.record(route, source.index, in, fingerprint, now) == StateTable.Outcome.DUPLICATE) {
                drop(source, message, route.id(), DropReason.DUPLICATE);
            } else {
                finish(source, message);
            }
        }
    }

    private void forward(Link source, Message<BrokerMessage> message, Route route, long fingerprint, long receivedAt) {
        BrokerMessage in = message.getPayload();
        int[] targets = route.targetsFrom[source.index];
        boolean retain = route.rule.retain() || in.retain();
        Forward forward = new Forward(source, message, targets.length, receivedAt);
        for (int position : targets) {
            Link target = links[position];
            int qos = Math.min(Math.min(in.qos(), route.rule.qos()), target.maxQos);
            // with a shared rule: this replication's mark; else another one's, if any, travels on (loops stay visible)
            BrokerMessage out = marksForwards ? new BrokerMessage(in.topic(), in.payload(), qos, retain, source.origin)
                    : qos == in.qos() && retain == in.retain() ? in
                    : new BrokerMessage(in.topic(), in.payload(), qos, retain, in.origin());
            int copies = target.echoes == null ? 0 : routes.subscriptionsMatching(position, in.topic());
            if (copies > 0 && fingerprint == 0) {
                fingerprint = EchoFilter.fingerprint(in.payload());
            }
            publish(target, out, route, fingerprint, copies, 0, receivedAt, forward);
        }
    }

    /**
     * Publishes, expecting {@code echoCopies} echoes (tagged with the state mode {@code sequence});
     * counts down {@code forward} (if any) when done.
     */
    private CompletionStage<Void> publish(Link target, BrokerMessage message, Route route, long fingerprint, int echoCopies,
            long sequence, long now, Forward forward) {
        if (echoCopies > 0) {
            target.echoes.expect(message.topic(), fingerprint, message.payload().length, echoCopies, sequence, now);
        }
        CompletionStage<Void> stage;
        try {
            stage = target.endpoint.publish(message);
        } catch (RuntimeException refused) {
            stage = CompletableFuture.failedStage(refused);
        }
        listener.forwarded(target.name, route.id());
        stage.whenComplete((ignored, failure) -> {
            if (failure != null) {
                publishFailed(target, message, route, fingerprint, echoCopies, failure);
            }
            if (forward != null) {
                forward.targetDone();
            }
        });
        return stage;
    }

    private void publishFailed(Link target, BrokerMessage message, Route route, long fingerprint, int echoCopies, Throwable failure) {
        long now = clock.getAsLong();
        if (echoCopies > 0) {
            target.echoes.withdraw(message.topic(), fingerprint, message.payload().length, echoCopies, now);
        }
        listener.publishFailed(target.name, route.id());
        long next = nextWarning.get();
        if (now - next >= 0 && nextWarning.compareAndSet(next, now + WARNING_INTERVAL_NANOS)) {
            LOG.warnf("Replication %s: a publish to broker %s failed (%d more failed since the previous warning): %s",
                    replication, target.name, unreportedFailures.getAndSet(0), String.valueOf(failure));
        } else {
            unreportedFailures.incrementAndGet();
        }
    }

    private void drop(Link source, Message<BrokerMessage> message, String rule, DropReason reason) {
        listener.dropped(source.name, rule, reason);
        finish(source, message);
    }

    private void finish(Link source, Message<BrokerMessage> message) {
        try {
            message.ack();
        } catch (RuntimeException failed) {
            LOG.debugf(failed, "Replication %s: acknowledging a message of broker %s failed", replication, source.name);
        }
        source.completed();
    }

    private static long nanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE;
        }
    }

    /** A stream message on its way to its targets: acknowledged when the last one completed. */
    private final class Forward {
        private final Link source;
        private final Message<BrokerMessage> message;
        private final AtomicInteger remaining;
        private final long receivedAt;

        Forward(Link source, Message<BrokerMessage> message, int targets, long receivedAt) {
            this.source = source;
            this.message = message;
            this.remaining = new AtomicInteger(targets);
            this.receivedAt = receivedAt;
        }

        void targetDone() {
            if (remaining.decrementAndGet() == 0) {
                finish(source, message);
                listener.forwardLatency(clock.getAsLong() - receivedAt);
            }
        }
    }

    /**
     * The engine's side of one broker: the subscriber of its inbound stream (requesting more only as
     * messages complete, at most {@code maxInFlight} outstanding) and the echoes it owes.
     */
    private final class Link implements MultiSubscriber<Message<BrokerMessage>> {
        final int index;
        final String name;
        final BrokerEndpoint endpoint;
        final int maxQos;
        /** The origin mark of what this broker is the source of, or null without a shared rule. */
        final String origin;
        /** Null when the endpoint does not echo. */
        final EchoFilter echoes;
        final AtomicInteger inFlight = new AtomicInteger();
        /** State mode publishes to this broker not yet completed. */
        final AtomicInteger statePublishes = new AtomicInteger();
        /** Topics may wait in this broker's deferred list; written by the ticks only. */
        volatile boolean hasDeferred;
        private final AtomicInteger completedUnrequested = new AtomicInteger();
        private final int maxInFlight;
        private final int requestBatch;
        private Flow.Subscription subscription;

        Link(int index, BrokerEndpoint endpoint, long echoExpiryNanos, int maxInFlight) {
            this.index = index;
            this.name = endpoint.name();
            this.endpoint = endpoint;
            this.maxQos = Math.max(0, Math.min(2, endpoint.maxQos()));
            this.origin = marksForwards ? ownMark + name : null;
            this.echoes = endpoint.echoesOwnPublishes() ? new EchoFilter(echoExpiryNanos) : null;
            this.maxInFlight = maxInFlight;
            this.requestBatch = Math.max(1, maxInFlight / 16);
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (closed) {
                subscription.cancel();
            } else {
                subscription.request(maxInFlight);
            }
        }

        @Override
        public void onItem(Message<BrokerMessage> message) {
            if (closed) {
                // it raced the cancel: have the broker deliver it again, to the next engine
                message.nack(new IllegalStateException("replication " + replication + " stopped"));
                return;
            }
            inFlight.incrementAndGet();
            try {
                handle(this, message);
            } catch (RuntimeException unexpected) {
                LOG.errorf(unexpected, "Replication %s: handling a message from broker %s failed", replication, name);
            }
        }

        /** A message of this broker was acknowledged: take the next ones (in batches, to save requests). */
        void completed() {
            inFlight.decrementAndGet();
            if (completedUnrequested.incrementAndGet() >= requestBatch) {
                int more = completedUnrequested.getAndSet(0);
                if (more > 0) {
                    // Completions come from several targets' threads; Reactive Streams wants request
                    // and cancel called serially.
                    synchronized (this) {
                        if (!closed) {
                            subscription.request(more);
                        }
                    }
                }
            }
        }

        synchronized void cancel() {
            if (subscription != null) {
                subscription.cancel();
            }
        }

        @Override
        public void onFailure(Throwable failure) {
            LOG.warnf("Replication %s: the inbound stream of broker %s failed: %s", replication, name, String.valueOf(failure));
        }

        @Override
        public void onCompletion() {
            LOG.debugf("Replication %s: the inbound stream of broker %s completed", replication, name);
        }
    }
}

package io.mqttreplicator.engine;

import io.smallrye.mutiny.Multi;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * An MQTT 3.1.1 broker as the engine sees it, in memory. It keeps retained messages, replays them
 * when a filter is subscribed, delivers every accepted publish to each matching engine
 * subscription (one copy per matching subscription, like Mosquitto 2), including the engine's own
 * publishes (the echo) unless it stands for an MQTT 5 No Local connection. Deliveries run on the
 * broker's own thread, honour the engine's requests, and wait in a session queue while no engine
 * is subscribed. Tests act as clients with {@link #clientPublish} and control publish completions.
 */
final class InMemoryBroker implements BrokerEndpoint, AutoCloseable {

    private final String name;
    private final boolean echoes;
    private final int maxQos;
    private final ExecutorService io;

    private final Map<String, BrokerMessage> retained = new LinkedHashMap<>();
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final Map<String, TopicFilter> parsedFilters = new HashMap<>();
    private final List<BrokerMessage> accepted = new ArrayList<>();
    private final List<BrokerMessage> publishedByEngine = new ArrayList<>();
    private final List<CompletableFuture<Void>> heldCompletions = new ArrayList<>();
    private final List<BrokerMessage> pausedPublishes = new ArrayList<>();
    private boolean holdCompletions;
    private boolean refusePublishes;
    private boolean losePublishes;
    private boolean pausePublishes;

    private final ConcurrentLinkedQueue<BrokerMessage> session = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unacknowledged = new AtomicInteger();
    private final AtomicInteger delivered = new AtomicInteger();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger drainsWanted = new AtomicInteger();
    private volatile Flow.Subscriber<? super Message<BrokerMessage>> engine;

    InMemoryBroker(String name) {
        this(name, true, 2);
    }

    InMemoryBroker(String name, boolean echoes, int maxQos) {
        this.name = name;
        this.echoes = echoes;
        this.maxQos = maxQos;
        this.io = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broker-" + name);
            thread.setDaemon(true);
            return thread;
        });
    }

    // ---- BrokerEndpoint, the engine's side

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean echoesOwnPublishes() {
        return echoes;
    }

    @Override
    public int maxQos() {
        return maxQos;
    }

    @Override
    public Multi<Message<BrokerMessage>> inbound() {
        return Multi.createFrom().publisher(subscriber -> {
            requested.set(0);
            engine = subscriber;
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    if (engine == subscriber) {
                        requested.addAndGet(n);
                        scheduleDrain();
                    }
                }

                @Override
                public void cancel() {
                    if (engine == subscriber) {
                        engine = null;
                    }
                }
            });
        });
    }

    @Override
    public CompletionStage<Void> publish(BrokerMessage message) {
        synchronized (this) {
            publishedByEngine.add(message);
            if (refusePublishes) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker " + name + " refused the publish"));
            }
            if (pausePublishes) {
                pausedPublishes.add(message);
            } else if (!losePublishes) {
                accept(message, true);
            }
            if (holdCompletions) {
                CompletableFuture<Void> completion = new CompletableFuture<>();
                heldCompletions.add(completion);
                return completion;
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void updateSubscriptions(List<Subscription> wanted) {
        List<Subscription> added = wanted.stream()
                .filter(subscription -> subscriptions.stream().noneMatch(existing -> existing.filter().equals(subscription.filter())))
                .toList();
        subscriptions.clear();
        subscriptions.addAll(wanted);
        for (Subscription subscription : added) {
            replay(subscription);
        }
    }

    // ---- what clients and the network do

    /** A client connected to this broker publishes. */
    void clientPublish(String topic, String payload) {
        clientPublish(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    synchronized void clientPublish(String topic, byte[] payload, int qos, boolean retain) {
        accept(new BrokerMessage(topic, payload, qos, retain), false);
    }

    /** A message published by someone else with an origin mark: e.g. another instance's forward. */
    synchronized void clientPublishMarked(String topic, String payload, String origin) {
        accept(new BrokerMessage(topic, payload.getBytes(StandardCharsets.UTF_8), 1, false, origin), false);
    }

    /** The engine's connection re-subscribes (a reconnect): every matching retained message is sent again. */
    synchronized void replayRetained() {
        subscriptions.forEach(this::replay);
    }

    /** Delivers a message to the engine as if the broker sent it, whatever the subscriptions. */
    synchronized void deliverToEngine(BrokerMessage message) {
        enqueue(message);
    }

    synchronized void holdCompletions(boolean hold) {
        holdCompletions = hold;
    }

    /** Completes the held publishes, oldest first; returns how many. */
    int completeHeld() {
        List<CompletableFuture<Void>> completions;
        synchronized (this) {
            completions = new ArrayList<>(heldCompletions);
            heldCompletions.clear();
        }
        completions.forEach(completion -> completion.complete(null));
        return completions.size();
    }

    /** Completes the {@code count} oldest held publishes. */
    void completeHeld(int count) {
        List<CompletableFuture<Void>> completions;
        synchronized (this) {
            List<CompletableFuture<Void>> oldest = heldCompletions.subList(0, count);
            completions = new ArrayList<>(oldest);
            oldest.clear();
        }
        completions.forEach(completion -> completion.complete(null));
    }

    synchronized void refusePublishes(boolean refuse) {
        refusePublishes = refuse;
    }

    /** The engine's publishes are lost on the way (the broker never gets them), yet reported done. */
    synchronized void losePublishes(boolean lose) {
        losePublishes = lose;
    }

    /** The engine's publishes are in transit until {@link #arrivePausedPublishes()}. */
    synchronized void pausePublishes(boolean pause) {
        pausePublishes = pause;
    }

    synchronized void arrivePausedPublishes() {
        pausedPublishes.forEach(message -> accept(message, true));
        pausedPublishes.clear();
    }

    private void accept(BrokerMessage message, boolean fromEngine) {
        if (message.retain()) {
            if (message.isDeletion()) {
                retained.remove(message.topic());
            } else {
                retained.put(message.topic(), message);
            }
        }
        accepted.add(message);
        if (fromEngine && !echoes) {
            return;
        }
        for (Subscription subscription : subscriptions) {
            if (parsed(subscription).matches(message.topic())) {
                enqueue(new BrokerMessage(message.topic(), message.payload(), Math.min(message.qos(), subscription.qos()), false,
                        message.origin()));
            }
        }
    }

    private void replay(Subscription subscription) {
        TopicFilter filter = parsed(subscription);
        retained.values().stream()
                .filter(message -> filter.matches(message.topic()))
                .forEach(message -> enqueue(new BrokerMessage(message.topic(), message.payload(),
                        Math.min(message.qos(), subscription.qos()), true)));
    }

    private TopicFilter parsed(Subscription subscription) {
        return parsedFilters.computeIfAbsent(subscription.filter(),
                filter -> TopicFilter.parse(SharedSubscription.topicFilter(filter)));
    }

    private void enqueue(BrokerMessage message) {
        unacknowledged.incrementAndGet();
        session.add(message);
        scheduleDrain();
    }

    /** One drain task at a time, run again when something arrived while it ran. */
    private void scheduleDrain() {
        if (drainsWanted.getAndIncrement() == 0) {
            io.execute(() -> {
                int wanted = 1;
                do {
                    drain();
                    wanted = drainsWanted.addAndGet(-wanted);
                } while (wanted != 0);
            });
        }
    }

    private void drain() {
        while (requested.get() > 0) {
            Flow.Subscriber<? super Message<BrokerMessage>> subscriber = engine;
            if (subscriber == null) {
                return;
            }
            BrokerMessage message = session.poll();
            if (message == null) {
                return;
            }
            requested.decrementAndGet();
            delivered.incrementAndGet();
            AtomicInteger acks = new AtomicInteger();
            subscriber.onNext(Message.of(message, () -> {
                if (acks.getAndIncrement() == 0) {
                    acknowledged.incrementAndGet();
                    unacknowledged.decrementAndGet();
                }
                return CompletableFuture.completedFuture(null);
            }));
        }
    }

    // ---- what tests observe

    /** Nothing queued for the engine and everything delivered acknowledged. */
    boolean idle() {
        return unacknowledged.get() == 0;
    }

    int delivered() {
        return delivered.get();
    }

    int acknowledged() {
        return acknowledged.get();
    }

    int queued() {
        return session.size();
    }

    /** Every publish the broker accepted, from clients and from the engine: what a '#' subscriber sees. */
    synchronized List<BrokerMessage> accepted() {
        return List.copyOf(accepted);
    }

    /** The payloads of {@link #accepted()} as text. */
    synchronized List<String> acceptedPayloads() {
        return accepted.stream().map(message -> new String(message.payload(), StandardCharsets.UTF_8)).toList();
    }

    synchronized List<BrokerMessage> publishedByEngine() {
        return List.copyOf(publishedByEngine);
    }

    synchronized List<Subscription> subscriptions() {
        return List.copyOf(subscriptions);
    }

    /** The retained payload as text, or null. */
    synchronized String retainedText(String topic) {
        BrokerMessage message = retained.get(topic);
        return message == null ? null : new String(message.payload(), StandardCharsets.UTF_8);
    }

    /** The retained payload, or null. */
    synchronized byte[] retainedPayload(String topic) {
        BrokerMessage message = retained.get(topic);
        return message == null ? null : message.payload();
    }

    synchronized Map<String, String> retainedTexts() {
        Map<String, String> texts = new LinkedHashMap<>();
        retained.forEach((topic, message) -> texts.put(topic, new String(message.payload(), StandardCharsets.UTF_8)));
        return texts;
    }

    @Override
    public void close() {
        io.shutdownNow();
    }

    @Override
    public String toString() {
        return "InMemoryBroker[" + name + "]";
    }
}

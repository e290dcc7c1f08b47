package io.mqttreplicator.engine;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * In-memory brokers, an engine between them, a clock and merge ticks that the test controls.
 * {@link #tick()} lets the brokers deliver everything, runs one merge tick, and lets them deliver
 * the results (echoes included).
 */
final class EngineFixture implements AutoCloseable {

    static final Duration SETTLE = Duration.ofSeconds(20);

    final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    final CountingListener listener = new CountingListener();
    final ManualScheduler scheduler = new ManualScheduler();
    final Map<String, InMemoryBroker> brokers = new LinkedHashMap<>();
    final List<TopicRule> rules;
    private final UnaryOperator<EngineOptions> customize;
    ReplicationEngine engine;

    EngineFixture(List<InMemoryBroker> brokers, List<TopicRule> rules) {
        this(brokers, rules, UnaryOperator.identity());
    }

    EngineFixture(List<InMemoryBroker> brokers, List<TopicRule> rules, UnaryOperator<EngineOptions> customize) {
        brokers.forEach(broker -> this.brokers.put(broker.name(), broker));
        this.rules = rules;
        this.customize = customize;
    }

    static EngineFixture of(List<TopicRule> rules, String... brokerNames) {
        return new EngineFixture(Arrays.stream(brokerNames).map(InMemoryBroker::new).toList(), rules);
    }

    EngineFixture start() {
        EngineOptions options = EngineOptions.defaults()
                .withNanoTime(clock::get)
                .withScheduler(scheduler)
                .withListener(listener);
        engine = new ReplicationEngine("test", 10, rules, new ArrayList<>(brokers.values()), customize.apply(options));
        engine.start();
        return this;
    }

    /** Closes the engine and starts a new one on the same brokers (a restart of the replicator). */
    void restart() {
        engine.close();
        start();
    }

    InMemoryBroker broker(String name) {
        return brokers.get(name);
    }

    void advance(Duration duration) {
        clock.addAndGet(duration.toNanos());
    }

    /** Waits until every broker delivered everything to the engine and got it acknowledged. */
    void settle() {
        await().atMost(SETTLE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                .until(() -> brokers.values().stream().allMatch(InMemoryBroker::idle));
    }

    void tick() {
        settle();
        scheduler.tick();
        settle();
    }

    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
        scheduler.shutdownNow();
        brokers.values().forEach(InMemoryBroker::close);
    }
}

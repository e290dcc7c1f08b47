package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestMqttClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * One broker ("site") with two addresses, each a Mosquitto process of its own, replicated in a
 * stream rule at QoS 1 from a plain broker ("source") while a writer publishes without pause:
 * the first process is killed and restarted. With {@code roundRobin: false} the replicator goes
 * back to the first process, with {@code true} it stays on the second; no message is lost either
 * way. The times of the switches are printed (they are measured here, not asserted).
 */
class FailoverReplicationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration RECONNECT_DELAY =
            Duration.ofMillis(Long.getLong("failover.reconnectDelayMs", 200));
    private static final String TOPIC = "events/data";

    private final List<AutoCloseable> resources = new ArrayList<>();

    @Test
    void roundRobinFalseMovesBackToTheFirstAddressOnceItIsBackWithoutLosingMessages() throws Exception {
        run(false);
    }

    @Test
    void roundRobinTrueStaysOnTheSecondAddressWithoutLosingMessages() throws Exception {
        run(true);
    }

    private void run(boolean roundRobin) throws Exception {
        MosquittoBroker first = MosquittoBroker.builder().name("site-first").persistence(true)
                .config("autosave_interval 1").start();
        Map<String, MosquittoBroker> brokers = new LinkedHashMap<>();
        brokers.put("source", MosquittoBroker.builder().name("source").start());
        brokers.put("site", first);
        try (MosquittoBroker second = MosquittoBroker.builder().name("site-second").start();
                ReplicationHarness harness = ReplicationHarness.with(brokers)) {
            try {
                failOverAndBack(roundRobin, harness, first, second);
            } finally {
                // the test's own clients first, while their brokers still run
                for (AutoCloseable resource : resources) {
                    resource.close();
                }
            }
        }
    }

    private void failOverAndBack(boolean roundRobin, ReplicationHarness harness, MosquittoBroker first,
            MosquittoBroker second) throws Exception {
        Function<String, BrokerSettings> settings = name -> name.equals("site")
                ? Definitions.failover(name, roundRobin, RECONNECT_DELAY, first.url(), second.url())
                : Definitions.broker(name, harness.broker(name).url());
        harness.replicate(harness.definition(1, settings, Rules.stream("events", "events/#").qos(1).build()));
        harness.awaitFlowing("events/probe");
        BrokerChannel site = harness.channels().get("site");
        String clientId = site.settings().clientId();
        assertThat(site.address()).isEqualTo(first.url());

        // QoS 0 subscribers send nothing back, so a killed broker has no unread input and the
        // kernel still delivers what it had written to them
        TestMqttClient onFirst = harness.subscriber("site", TOPIC, 0);
        TestMqttClient onSecond = closeLater(TestMqttClient.connect(second.port()).subscribe(TOPIC, 0));
        // a persistent session on the first process, saved to disk, that collects what arrives
        // there after the restart even before this test reconnects to it
        String afterRestartId = "after-restart-" + roundRobin;
        TestMqttClient.connectPersistent(first.port(), afterRestartId).subscribe(TOPIC, 1).close();
        awaitSaved(first);

        Writer writer = new Writer(harness.client("source"));
        writer.start();
        await().atMost(WAIT).until(() -> onFirst.received().size() >= 20);

        long killed = System.nanoTime();
        first.kill();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(2)).until(() -> !onSecond.received().isEmpty());
        long failoverMillis = (System.nanoTime() - killed) / 1_000_000;
        assertThat(site.address()).isEqualTo(second.url());
        assertThat(site.state()).isEqualTo(ConnectionState.CONNECTED);
        int onSecondBeforeRestart = await().atMost(WAIT).until(() -> onSecond.received().size(), size -> size >= 20);

        long connectionsOfFirstBefore = first.connectionsOf(clientId);
        long restarted = System.nanoTime();
        first.restart();
        TestMqttClient afterRestart = closeLater(TestMqttClient.connectPersistent(first.port(), afterRestartId));
        List<TestMqttClient> receivers = new ArrayList<>(List.of(onFirst, onSecond, afterRestart));
        if (roundRobin) {
            int onSecondAtRestart = onSecond.received().size();
            await().during(RECONNECT_DELAY.multipliedBy(10)).atMost(RECONNECT_DELAY.multipliedBy(10).plus(WAIT))
                    .until(() -> site.address().equals(second.url()) && site.state() == ConnectionState.CONNECTED);
            assertThat(onSecond.received().size()).as("still forwarded to the second address")
                    .isGreaterThan(onSecondAtRestart);
            assertThat(first.connectionsOf(clientId)).as("replicator connections to the restarted first address")
                    .isEqualTo(connectionsOfFirstBefore);
            System.out.printf("failover roundRobin=true reconnectDelay=%d ms: kill -> first message via second"
                    + " address %d ms%n", RECONNECT_DELAY.toMillis(), failoverMillis);
        } else {
            int collectedAtRestart = afterRestart.received().size();
            await().atMost(WAIT).pollInterval(Duration.ofMillis(2))
                    .until(() -> site.address().equals(first.url()) && site.state() == ConnectionState.CONNECTED
                            && afterRestart.received().size() > collectedAtRestart);
            long movedBackMillis = (System.nanoTime() - restarted) / 1_000_000;
            int onSecondAfterSwitch = onSecond.received().size();
            await().atMost(WAIT).until(() -> afterRestart.received().size() >= collectedAtRestart + 20);
            assertThat(onSecond.received().size()).as("nothing more via the second address after moving back")
                    .isEqualTo(onSecondAfterSwitch);
            assertThat(first.connectionsOf(clientId)).isEqualTo(connectionsOfFirstBefore + 1);
            System.out.printf("failover roundRobin=false reconnectDelay=%d ms: kill -> first message via second"
                    + " address %d ms; restart -> first message via first address again %d ms%n",
                    RECONNECT_DELAY.toMillis(), failoverMillis, movedBackMillis);
        }
        assertThat(onSecondBeforeRestart).isPositive();

        List<Integer> published = writer.stop();
        Set<Integer> expected = new HashSet<>(published);
        await().atMost(WAIT).until(() -> received(receivers).containsAll(expected));
        assertThat(published).hasSizeGreaterThan(50);
        assertThat(received(receivers)).as("every published message arrived on one of the site's addresses")
                .containsAll(expected);
        long copies = receivers.stream().mapToLong(receiver -> receiver.received(TOPIC).size()).sum();
        System.out.printf("failover roundRobin=%s: %d messages published, %d arrived, %d of them more than once%n",
                roundRobin, published.size(), copies, copies - received(receivers).size());
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        resources.add(0, resource);
        return resource;
    }

    private static Set<Integer> received(List<TestMqttClient> receivers) {
        Set<Integer> ids = new HashSet<>();
        for (TestMqttClient receiver : receivers) {
            receiver.receivedTexts(TOPIC).forEach(text -> ids.add(Integer.parseInt(text)));
        }
        return ids;
    }

    /** Waits until Mosquitto's autosave has written its database since now. */
    private static void awaitSaved(MosquittoBroker broker) throws Exception {
        Path database = broker.directory().resolve("data").resolve("mosquitto.db");
        long before = Files.exists(database) ? Files.getLastModifiedTime(database).toMillis() : 0;
        long now = System.currentTimeMillis();
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(database)
                && Files.getLastModifiedTime(database).toMillis() > Math.max(before, now));
    }

    /** Publishes numbered QoS 1 messages on the source broker, one every 10 ms, until stopped. */
    private static final class Writer {
        private final TestMqttClient client;
        private final List<Integer> published = new CopyOnWriteArrayList<>();
        private final ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
        private int next;

        Writer(TestMqttClient client) {
            this.client = client;
        }

        void start() {
            pace.scheduleAtFixedRate(this::writeOne, 0, 10, TimeUnit.MILLISECONDS);
        }

        private void writeOne() {
            int id = next++;
            client.publish(TOPIC, Integer.toString(id), 1, false);
            published.add(id);
        }

        List<Integer> stop() throws InterruptedException {
            pace.shutdown();
            assertThat(pace.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            return List.copyOf(published);
        }
    }
}

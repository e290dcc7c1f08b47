package io.mqttreplicator.operator;

import static io.mqttreplicator.operator.Resources.broker;
import static io.mqttreplicator.operator.Resources.replication;
import static io.mqttreplicator.operator.Resources.stream;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.replication.ReplicationObserver;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas, each with its own Kubernetes client, manager and reconciler, as two pods
 * would run them, against one API server ({@link MockApiServer}) and real Mosquitto brokers: only
 * the Lease holder replicates, and the standby takes over alone when the holder shuts down,
 * crashes, or is cut off from the API server. Plain JUnit: two operators cannot share one Quarkus
 * application. The Lease timings are shortened; everything else is the production
 * {@link LeaderLease} configuration, with the replica's exit on a lost Lease left out (the packaged
 * program's exit is in {@link OperatorProcessIT}).
 */
class LeaderElectionTest {

    private static final String NAMESPACE = MockApiServer.NAMESPACE;
    /** Shortened timings; {@code -Dlease.production=true} runs with the production ones (15 s Lease) instead. */
    private static final LeaderLease LEASE = Boolean.getBoolean("lease.production") ? LeaderLease.DEFAULT
            : new LeaderLease(Duration.ofSeconds(3), Duration.ofMillis(1500), Duration.ofMillis(250));
    private static final Duration TIMEOUT = LEASE.leaseDuration().multipliedBy(2).plusSeconds(20);
    private static final int MESSAGES = 50;
    private static final List<String> TAKEOVERS = Collections.synchronizedList(new ArrayList<>());

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private MockApiServer apiServer;
    private KubernetesClient admin;
    private MosquittoBroker siteA;
    private MosquittoBroker siteB;

    @BeforeEach
    void startApiServerAndBrokers() {
        apiServer = track(new MockApiServer());
        admin = apiServer.admin();
        siteA = track(MosquittoBroker.builder().name("site-a").start());
        siteB = track(MosquittoBroker.builder().name("site-b").start());
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @AfterAll
    static void printTakeovers() {
        TAKEOVERS.forEach(System.out::println);
    }

    @Test
    void theMockApiServerRejectsALeaseUpdateBasedOnAnOldVersion() {
        Lease created = admin.resource(new LeaseBuilder().withNewMetadata().withName("probe").withNamespace(NAMESPACE)
                .endMetadata().withNewSpec().withHolderIdentity("one").endSpec().build()).create();
        Lease renewed = admin.resource(new LeaseBuilder(created).editSpec().withHolderIdentity("one").withLeaseTransitions(1)
                .endSpec().build()).update();
        assertThat(renewed.getMetadata().getResourceVersion()).isNotEqualTo(created.getMetadata().getResourceVersion());

        Lease stale = new LeaseBuilder(created).editSpec().withHolderIdentity("two").endSpec().build();
        assertThatThrownBy(() -> admin.resource(stale).patch())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
        assertThat(admin.leases().inNamespace(NAMESPACE).withName("probe").get().getSpec().getHolderIdentity()).isEqualTo("one");
    }

    @Test
    void onlyTheLeaseHolderReplicatesAndEveryMessageArrivesOncePerBroker() {
        Replica leader = startReplica("operator-0");
        awaitLeaseHolder(leader);
        Replica standby = startReplica("operator-1");
        createReplication();

        Map<String, String> clientIds = awaitReplicating(leader);
        assertThat(standby.manager.channels(replicationName())).isEmpty();
        assertThat(siteA.connectionsOf(clientIds.get("site-a"))).isEqualTo(1);
        assertThat(siteB.connectionsOf(clientIds.get("site-b"))).isEqualTo(1);

        assertEveryMessageArrivesOncePerBroker("first");
        await().during(LEASE.leaseDuration()).atMost(LEASE.leaseDuration().plusSeconds(5))
                .until(() -> standby.manager.channels(replicationName()).isEmpty() && standby.applied.isEmpty());
        assertThat(leaseHolder()).isEqualTo(leader.identity);
        assertThat(siteA.connectionsOf(clientIds.get("site-a"))).isEqualTo(1);
        assertThat(siteB.connectionsOf(clientIds.get("site-b"))).isEqualTo(1);
        assertNoSessionTakenOver();
    }

    @RepeatedTest(3)
    void aLeaderThatShutsDownHandsTheLeaseOverAndTheStandbyReplicatesAlone() {
        Takeover takeover = takeOver(Replica::shutDown, "shut down (Lease handed over)");
        assertThat(takeover.standbyAcquiredAt()).as("the standby did not wait for the Lease to expire")
                .isBefore(takeover.leaseExpiredAt());
    }

    @RepeatedTest(3)
    void whenTheLeaderCrashesTheStandbyTakesOverOnceTheLeaseExpiresAndReplicatesAlone() {
        Takeover takeover = takeOver(Replica::crash, "crashed (Lease left to expire)");
        assertThat(takeover.standbyAcquiredAt()).isAfterOrEqualTo(takeover.leaseExpiredAt());
    }

    /**
     * When the standby took the Lease, and when the leader's Lease expired at the earliest (its
     * last renewal seen before it stopped, plus the lease duration), both on the Lease's clock.
     */
    private record Takeover(ZonedDateTime standbyAcquiredAt, ZonedDateTime leaseExpiredAt) {
    }

    /** Stops the leader as {@code stop} says, once it replicates; the standby must take over alone. */
    private Takeover takeOver(Consumer<Replica> stop, String how) {
        Replica leader = startReplica("operator-0");
        awaitLeaseHolder(leader);
        Replica standby = startReplica("operator-1");
        createReplication();
        Map<String, String> clientIds = awaitReplicating(leader);
        TestMqttClient probeSubscriber = client(siteB).subscribe("events/probe", 1);
        TestMqttClient probePublisher = client(siteA);

        Lease beforeStop = apiServer.lease();
        long stoppedAt = System.nanoTime();
        stop.accept(leader);
        awaitFlowing(probePublisher, probeSubscriber);
        long replicatingAt = System.nanoTime();

        assertThat(leaseHolder()).isEqualTo(standby.identity);
        assertThat(leader.manager.channels(replicationName())).isEmpty();
        assertThat(standby.clientIds()).isEqualTo(clientIds);
        TAKEOVERS.add(String.format("Takeover after the leader %s (lease %d ms, renew deadline %d ms, retry %d ms):"
                + " standby applied the replication after %d ms, first message replicated after %d ms", how,
                LEASE.leaseDuration().toMillis(), LEASE.renewDeadline().toMillis(), LEASE.retryPeriod().toMillis(),
                (standby.applied.get(0) - stoppedAt) / 1_000_000, (replicatingAt - stoppedAt) / 1_000_000));

        assertEveryMessageArrivesOncePerBroker("after-takeover");
        assertThat(siteA.connectionsOf(clientIds.get("site-a"))).isEqualTo(2);
        assertThat(siteB.connectionsOf(clientIds.get("site-b"))).isEqualTo(2);
        assertNoSessionTakenOver();
        return new Takeover(apiServer.lease().getSpec().getAcquireTime(),
                beforeStop.getSpec().getRenewTime().plus(LEASE.leaseDuration()));
    }

    @Test
    void aLeaderCutOffFromTheApiServerStopsReplicatingBeforeTheStandbyStarts() {
        ApiServerLink link = track(new ApiServerLink(apiServer.port()));
        Replica leader = track(new Replica("operator-0", apiServer.newClient(link)));
        awaitLeaseHolder(leader);
        Replica standby = startReplica("operator-1");
        createReplication();
        Map<String, String> clientIds = awaitReplicating(leader);
        assertEveryMessageArrivesOncePerBroker("before");

        long cutAt = System.nanoTime();
        link.cut();

        await().atMost(TIMEOUT).until(() -> !standby.applied.isEmpty());
        assertThat(leader.lostLeaseAt).as("the cut-off leader stood down").isNotEmpty();
        assertThat(leader.lostLeaseAt.get(0)).as("it stood down before the standby started").isLessThan(standby.applied.get(0));
        assertThat(leader.manager.channels(replicationName())).isEmpty();
        assertThat(leaseHolder()).isEqualTo(standby.identity);
        TAKEOVERS.add(String.format("Leader cut off from the API server (lease %d ms, renew deadline %d ms, retry %d ms):"
                + " it stood down after %d ms, the standby applied the replication after %d ms",
                LEASE.leaseDuration().toMillis(), LEASE.renewDeadline().toMillis(), LEASE.retryPeriod().toMillis(),
                (leader.lostLeaseAt.get(0) - cutAt) / 1_000_000, (standby.applied.get(0) - cutAt) / 1_000_000));

        awaitFlowing(client(siteA), client(siteB).subscribe("events/probe", 1));
        assertEveryMessageArrivesOncePerBroker("after");
        assertThat(siteA.connectionsOf(clientIds.get("site-a"))).isEqualTo(2);
        assertThat(siteB.connectionsOf(clientIds.get("site-b"))).isEqualTo(2);
        assertNoSessionTakenOver();
    }

    /** Writers on both brokers; a subscriber on each broker must see every message exactly once, in order. */
    private void assertEveryMessageArrivesOncePerBroker(String round) {
        TestMqttClient subscriberA = client(siteA).subscribe("events/#", 1);
        TestMqttClient subscriberB = client(siteB).subscribe("events/#", 1);
        TestMqttClient writerA = client(siteA);
        TestMqttClient writerB = client(siteB);
        List<String> fromA = IntStream.range(0, MESSAGES).mapToObj(i -> round + "-a-" + i).toList();
        List<String> fromB = IntStream.range(0, MESSAGES).mapToObj(i -> round + "-b-" + i).toList();
        for (int i = 0; i < MESSAGES; i++) {
            writerA.publish("events/" + round + "/a", fromA.get(i), 1, false);
            writerB.publish("events/" + round + "/b", fromB.get(i), 1, false);
        }
        List<TestMqttClient> subscribers = List.of(subscriberA, subscriberB);
        await().atMost(TIMEOUT).until(() -> subscribers.stream().allMatch(subscriber ->
                subscriber.received("events/" + round + "/a").size() >= MESSAGES
                        && subscriber.received("events/" + round + "/b").size() >= MESSAGES));
        // a second replicator would deliver its copies later than the first: give them time to show
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> subscribers.stream().allMatch(subscriber ->
                subscriber.received("events/" + round + "/a").size() == MESSAGES
                        && subscriber.received("events/" + round + "/b").size() == MESSAGES));
        for (TestMqttClient subscriber : subscribers) {
            assertThat(subscriber.receivedTexts("events/" + round + "/a")).containsExactlyElementsOf(fromA);
            assertThat(subscriber.receivedTexts("events/" + round + "/b")).containsExactlyElementsOf(fromB);
        }
    }

    /** Mosquitto logs it when a second connection with the same client id replaces the first. */
    private void assertNoSessionTakenOver() {
        assertThat(siteA.countInLog("already connected")).isZero();
        assertThat(siteB.countInLog("already connected")).isZero();
    }

    private Replica startReplica(String identity) {
        return track(new Replica(identity, apiServer.newClient()));
    }

    private void createReplication() {
        admin.resource(replication(NAMESPACE, "sites", List.of(broker("site-a", siteA.url()), broker("site-b", siteB.url())),
                List.of(stream("events/#")))).create();
    }

    private static String replicationName() {
        return NAMESPACE + "/sites";
    }

    private Map<String, String> awaitReplicating(Replica replica) {
        await().atMost(TIMEOUT).until(() -> replica.manager.channels(replicationName())
                .map(channels -> channels.values().stream().allMatch(channel -> channel.status().state() == ConnectionState.CONNECTED))
                .orElse(false));
        awaitFlowing(client(siteA), client(siteB).subscribe("events/probe", 1));
        return replica.clientIds();
    }

    private void awaitLeaseHolder(Replica replica) {
        await().atMost(TIMEOUT).until(() -> replica.identity.equals(leaseHolder()));
    }

    private String leaseHolder() {
        return apiServer.leaseHolder();
    }

    /**
     * Publishes probes until one of them arrives. Only this call's probes count: one published by an
     * earlier call may still be on its way through a replica that is being stopped.
     */
    private static void awaitFlowing(TestMqttClient publisher, TestMqttClient subscriber) {
        String call = UUID.randomUUID().toString();
        int[] probe = {0};
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            publisher.publish("events/probe", call + "-" + probe[0]++, 1, false);
            return subscriber.receivedTexts("events/probe").stream().anyMatch(text -> text.startsWith(call));
        });
    }

    private TestMqttClient client(MosquittoBroker broker) {
        return track(TestMqttClient.connect(broker.port()));
    }

    private <T extends AutoCloseable> T track(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    /** One operator pod: its own client, manager, reconciler and leader elector. */
    private static final class Replica implements AutoCloseable {
        final String identity;
        final KubernetesClient client;
        final ReplicationManager manager;
        final Operator operator;
        /** When this replica started replications (System.nanoTime). */
        final List<Long> applied = Collections.synchronizedList(new ArrayList<>());
        /** When this replica stood down after losing the Lease (System.nanoTime). */
        final List<Long> lostLeaseAt = Collections.synchronizedList(new ArrayList<>());

        Replica(String identity, KubernetesClient client) {
            this.identity = identity;
            this.client = client;
            ConnectionChanges connectionChanges = new ConnectionChanges();
            ReplicationObserver starts = new ReplicationObserver() {
                @Override
                public void applied(ReplicationDefinition definition) {
                    applied.add(System.nanoTime());
                }
            };
            manager = new ReplicationManager(List.of(connectionChanges, starts));
            Clock clock = Clock.systemUTC();
            // production's reaction to a lost Lease, without Quarkus.asyncExit
            Runnable standDown = () -> {
                manager.stopAll();
                lostLeaseAt.add(System.nanoTime());
            };
            operator = new Operator(overrider -> overrider.withKubernetesClient(client)
                    .withLeaderElectionConfiguration(LEASE.configuration(client, identity, standDown))
                    .withUseSSAToPatchPrimaryResource(false)
                    .withCloseClientOnStop(false)
                    .withReconciliationTerminationTimeout(Duration.ofSeconds(5)));
            operator.register(new MqttReplicationReconciler(manager, connectionChanges, new KubernetesEvents(client, clock), clock),
                    configuration -> configuration.settingNamespaces(NAMESPACE));
            operator.start();
        }

        Map<String, String> clientIds() {
            Map<String, BrokerChannel> channels = manager.channels(replicationName()).orElseThrow();
            Map<String, String> ids = new HashMap<>();
            channels.forEach((name, channel) -> ids.put(name, channel.settings().clientId()));
            return ids;
        }

        /** What the production shutdown does. */
        void shutDown() {
            LeaderLease.handOver(operator, manager, client, identity);
        }

        /** As for the Lease, a crash: no more renewals, and the Lease is left to expire. */
        void crash() {
            operator.stop();
            manager.stopAll();
        }

        @Override
        public void close() {
            operator.stop();
            manager.stopAll();
            client.close();
        }
    }
}

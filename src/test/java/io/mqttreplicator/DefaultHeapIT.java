package io.mqttreplicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.ReplicatorProgram;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar} with no heap option, as a user types it: the replication runs in a child JVM
 * with a 256 MiB heap, which ends with the JVM the user started however that one ends.
 */
class DefaultHeapIT {

    @Test
    void withNoHeapOptionTheReplicationRunsInAChildJvmWithTheDefaultBoundAndStopsWithIt() {
        try (MosquittoBroker paris = MosquittoBroker.builder().name("paris").start();
                MosquittoBroker oslo = MosquittoBroker.builder().name("oslo").start();
                TestMqttClient onOslo = TestMqttClient.connect(oslo.port()).subscribe("events/#", 1);
                TestMqttClient onParis = TestMqttClient.connect(paris.port());
                ReplicatorProgram replicator = ReplicatorProgram.start("default-heap", variables(paris, oslo))) {
            ProcessHandle child = awaitChild(replicator);
            assertThat(child.info().arguments().map(List::of)).as("the child's command line")
                    .hasValueSatisfying(arguments -> assertThat(arguments).contains("-Xmx256m", "-XX:+UseSerialGC"));
            awaitReplicating(onParis, onOslo);
            assertThat(replicator.output()).contains("Running in a JVM of its own with -Xmx256m");

            replicator.stop();

            assertThat(child.isAlive()).as("the child after SIGTERM to the launcher").isFalse();
            assertThat(replicator.output()).contains("mqtt-replicator stopped");
        }
    }

    @Test
    void aKilledLauncherTakesItsChildAlong() {
        try (MosquittoBroker paris = MosquittoBroker.builder().name("paris").start();
                MosquittoBroker oslo = MosquittoBroker.builder().name("oslo").start();
                ReplicatorProgram replicator = ReplicatorProgram.start("killed-launcher", variables(paris, oslo))) {
            ProcessHandle child = awaitChild(replicator);
            replicator.awaitOutput("Starting replication standalone", 1, Duration.ofSeconds(60));

            ProcessHandle.of(replicator.pid()).ifPresent(ProcessHandle::destroyForcibly);

            await("the child ends after its launcher was killed").atMost(Duration.ofSeconds(30)).until(() -> !child.isAlive());
            assertThat(replicator.output()).contains("The launching JVM (process " + replicator.pid() + ") has ended; stopping");
        }
    }

    @Test
    void aHeapOptionKeepsTheJvmTheUserStarted() {
        try (MosquittoBroker paris = MosquittoBroker.builder().name("paris").start();
                MosquittoBroker oslo = MosquittoBroker.builder().name("oslo").start();
                TestMqttClient onOslo = TestMqttClient.connect(oslo.port()).subscribe("events/#", 1);
                TestMqttClient onParis = TestMqttClient.connect(paris.port());
                ReplicatorProgram replicator = ReplicatorProgram.start("own-heap", variables(paris, oslo), List.of("-Xmx300m"))) {
            awaitReplicating(onParis, onOslo);

            assertThat(ProcessHandle.of(replicator.pid()).map(process -> process.children().count())).hasValue(0L);
            assertThat(replicator.output()).doesNotContain("Running in a JVM of its own");
        }
    }

    private static Map<String, String> variables(MosquittoBroker paris, MosquittoBroker oslo) {
        return Map.of("MQTTREP_CLIENT_paris", paris.url(), "MQTTREP_CLIENT_oslo", oslo.url(),
                "MQTTREP_TOPIC_events", "events/#", "MQTTREP_MODE_events", "stream");
    }

    private static ProcessHandle awaitChild(ReplicatorProgram replicator) {
        ProcessHandle launcher = ProcessHandle.of(replicator.pid()).orElseThrow();
        return await("the child JVM").atMost(Duration.ofSeconds(30))
                .until(() -> launcher.children().findFirst(), Optional::isPresent).orElseThrow();
    }

    private static void awaitReplicating(TestMqttClient onParis, TestMqttClient onOslo) {
        int[] sent = {0};
        await("a message from paris on oslo").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            onParis.publish("events/door", "opened-" + sent[0]++, 1, false);
            return !onOslo.received("events/door").isEmpty();
        });
    }
}

package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.engine.Subscription;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.SequencePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The receive path against a real Mosquitto: reading stops at the window of unacknowledged messages
 * and goes on as they are acknowledged, and the broker's own count of dropped messages is read.
 */
class BrokerChannelFlowControlTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Subscription JOBS = new Subscription("jobs/#", 1);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        resources.add(resource);
        return resource;
    }

    private BrokerChannel channel(MosquittoBroker broker, String clientId, Duration keepAlive) {
        return closing(new BrokerChannel(TestSettings.of(broker.url()).clientId(clientId).persistentSession()
                .keepAlive(keepAlive).build(), List.of(JOBS)));
    }

    /**
     * Also: a connection that does not read outlives the broker's keep-alive timeout (1.5 times the
     * keep-alive, 3 s here), since the client's PINGREQ is answered while reading is paused. (With a
     * keep-alive of 1 s, a half-second stall of a loaded build machine was enough for Mosquitto to
     * close the connection.)
     */
    @Test
    void readingStopsAtTheWindowAndGoesOnAsMessagesAreAcknowledged() {
        int messages = PublishReceiver.WINDOW + 20_000;
        MosquittoBroker broker = closing(MosquittoBroker.builder().name("window")
                .config("max_queued_messages " + messages * 2, "max_inflight_messages 0").start());
        BrokerChannel channel = channel(broker, "window", Duration.ofSeconds(2));
        List<ConnectionEvent> ends = new CopyOnWriteArrayList<>();
        channel.addStateListener(event -> event.ended().ifPresent(origin -> ends.add(event)));
        InboundRecorder inbound = InboundRecorder.manual(channel, Long.MAX_VALUE);
        channel.start();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);
        closing(SequencePublisher.start(broker.port(), "jobs/seq", messages, 1_000));

        // nothing acknowledged yet: the broker sends all it has, the channel takes a window
        await().atMost(WAIT).until(() -> inbound.messages().size() >= PublishReceiver.WINDOW);
        // beyond the window, only what the last read had brought in: about 2,000 such messages seen, once
        // more than WINDOW / 4; 20,000 would come in if reading went on
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8))
                .until(() -> inbound.messages().size() <= PublishReceiver.WINDOW + PublishReceiver.WINDOW / 2);

        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<Message<BrokerMessage>> received = inbound.messages();
            received.forEach(Message::ack);
            return received.size() == messages;
        });
        assertThat(inbound.messages()).extracting(message -> new String(message.getPayload().payload(), StandardCharsets.US_ASCII))
                .as("every message once, in order")
                .containsExactlyElementsOf(IntStream.range(0, messages).mapToObj(i -> "seq-" + i).toList());
        assertThat(ends).as("the connection never ended").isEmpty();
    }

    @Test
    void theBrokersOwnCountOfDroppedMessagesIsRead() {
        MosquittoBroker broker = closing(MosquittoBroker.builder().name("dropped")
                .config("max_queued_messages 100", "sys_interval 1").start());
        BrokerChannel first = channel(broker, "dropped", Duration.ofSeconds(30));
        InboundRecorder.acking(first);
        first.start();
        await().atMost(WAIT).until(() -> first.state() == ConnectionState.CONNECTED);
        first.close();

        // the session waits with room for 100: Mosquitto drops the other 200, still acknowledging them
        SequencePublisher publisher = closing(SequencePublisher.start(broker.port(), "jobs/seq", 300, 50));
        await().atMost(WAIT).until(publisher::finished);
        assertThat(publisher.acknowledged()).isEqualTo(300);

        BrokerChannel second = channel(broker, "dropped", Duration.ofSeconds(30));
        InboundRecorder inbound = InboundRecorder.acking(second);
        second.start();
        await().atMost(WAIT).until(() -> second.brokerDroppedMessages() >= 200);
        await().atMost(WAIT).until(() -> inbound.messages().size() >= 100);
        assertThat(inbound.messages()).as("the broker's report is not a replicated message")
                .noneMatch(message -> message.getPayload().topic().startsWith("$SYS"));
    }
}

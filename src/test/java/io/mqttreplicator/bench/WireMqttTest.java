package io.mqttreplicator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.mqttreplicator.testing.MosquittoBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class WireMqttTest {

    private static final Duration STALL = Duration.ofSeconds(10);
    private static final String UTF8_TOPIC = "bench/Zürich/温度/\uD83C\uDF21";

    @ParameterizedTest
    @ValueSource(ints = {0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152})
    void remainingLengthDecodesAsEncodedOnEitherSideOfEachVarintBoundary(int remaining) {
        ByteBuffer frame = ByteBuffer.allocate(5 + remaining);
        frame.put((byte) (WireMqtt.PINGRESP << 4));
        WireMqtt.putVarint(frame, remaining);
        assertThat(frame.position()).isEqualTo(1 + WireMqtt.varintBytes(remaining));
        frame.position(frame.position() + remaining).flip();

        WireMqtt.Frame decoded = new WireMqtt.Frame();
        assertThat(decoded.next(frame)).isTrue();
        assertThat(decoded.type).isEqualTo(WireMqtt.PINGRESP);
        assertThat(decoded.bodyEnd - decoded.bodyStart).isEqualTo(remaining);
        assertThat(frame.hasRemaining()).isFalse();
    }

    @Test
    void publishDecodesAsEncodedOnceItsLastByteIsThere() {
        byte[] topic = UTF8_TOPIC.getBytes(StandardCharsets.UTF_8);
        byte[] payload = randomBytes(300, 1);
        ByteBuffer encoded = ByteBuffer.allocate(WireMqtt.publishFrameBytes(topic.length, 1, payload.length));
        WireMqtt.putPublishHeader(encoded, topic, 1, true, 65_535, payload.length);
        encoded.put(payload);
        assertThat(encoded.hasRemaining()).as("publishFrameBytes is exact").isFalse();

        WireMqtt.Frame frame = new WireMqtt.Frame();
        for (int available = 0; available < encoded.capacity(); available++) {
            ByteBuffer partial = encoded.duplicate().position(0).limit(available);
            assertThat(frame.next(partial)).as("complete with %d bytes", available).isFalse();
            assertThat(partial.position()).isZero();
        }
        ByteBuffer whole = encoded.duplicate().flip();
        assertThat(frame.next(whole)).isTrue();
        assertThat(frame.type).isEqualTo(WireMqtt.PUBLISH);
        assertThat(frame.qos).isEqualTo(1);
        assertThat(frame.retain).isTrue();
        assertThat(frame.packetId).isEqualTo(65_535);
        assertThat(frame.topic(whole)).isEqualTo(UTF8_TOPIC);
        assertThat(frame.frameBytes).isEqualTo(encoded.capacity());
        byte[] decoded = new byte[frame.payloadLength()];
        whole.get(frame.payloadStart, decoded);
        assertThat(decoded).isEqualTo(payload);
    }

    @ParameterizedTest
    @EnumSource(value = MqttQos.class, names = {"AT_MOST_ONCE", "AT_LEAST_ONCE"})
    void everyMessageOnItsOwnTopicArrivesExactlyOnce(MqttQos qos) throws Exception {
        int messages = 10_000;
        Load load = new Load("t", "test", qos, qos, messages, 0, true, false, false);
        try (MosquittoBroker broker = MosquittoBroker.start();
                Receiver receiver = Receiver.subscribe("sub", broker.port(), load.subscriptionFilter(), qos, messages);
                LoadGenerator generator = LoadGenerator.connect("pub", broker.port(), 1000, 100, STALL)) {
            receiver.onArrival(generator::arrived);

            LoadGenerator.Outcome outcome = generator.publish(load, BenchPayload.Kind.LOAD, messages, 500,
                    System.nanoTime() + Duration.ofSeconds(60).toNanos());

            assertThat(outcome.stalled()).isNull();
            assertThat(outcome.published()).isEqualTo(messages);
            assertThat(outcome.doneNanos()).isGreaterThan(outcome.firstSendNanos());
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.delivered() == messages);
            Receiver.Snapshot seen = receiver.snapshot();
            assertThat(seen.duplicates()).isZero();
            assertThat(seen.sortedLatencies()).hasSize(messages);
            assertThat(seen.sortedLatencies()[0]).isPositive();
            assertThat(receiver.unexpected()).isZero();
        }
    }

    @Test
    void largePayloadsGoThroughThePublisherAndReceiverWhole() throws Exception {
        int messages = 20;
        Load load = new Load("t", "test", MqttQos.AT_LEAST_ONCE, MqttQos.AT_LEAST_ONCE, messages, 0, false, true, false);
        try (MosquittoBroker broker = MosquittoBroker.start();
                Receiver receiver = Receiver.subscribe("sub", broker.port(), load.subscriptionFilter(), MqttQos.AT_LEAST_ONCE,
                        messages);
                LoadGenerator generator = LoadGenerator.connect("pub", broker.port(), 4, 200 * 1024, STALL)) {
            receiver.onArrival(generator::arrived);
            assertThat(generator.probe(load.probeTopic(), receiver::probeSeen, () -> false, STALL)).isTrue();

            LoadGenerator.Outcome outcome = generator.publish(load, BenchPayload.Kind.LOAD, messages, 8,
                    System.nanoTime() + Duration.ofSeconds(60).toNanos());

            assertThat(outcome.stalled()).isNull();
            await().atMost(Duration.ofSeconds(30)).until(() -> receiver.delivered() == messages);
            assertThat(receiver.snapshot().duplicates()).isZero();
            assertThat(receiver.unexpected()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {200 * 1024, 600 * 1024})
    void multiByteTopicAndLargePayloadArriveAsSent(int payloadBytes) throws Exception {
        byte[] topic = UTF8_TOPIC.getBytes(StandardCharsets.UTF_8);
        byte[] payload = randomBytes(payloadBytes, payloadBytes);
        List<String> topics = new CopyOnWriteArrayList<>();
        List<byte[]> payloads = new CopyOnWriteArrayList<>();
        try (MosquittoBroker broker = MosquittoBroker.start();
                WireConnection subscriber = WireConnection.connect("raw-sub", broker.port());
                WireConnection publisher = WireConnection.connect("raw-pub", broker.port())) {
            List<Integer> subacks = new CopyOnWriteArrayList<>();
            subscriber.start("raw-sub", (frame, in, readNanos) -> {
                if (frame.type == WireMqtt.SUBACK) {
                    subacks.add(frame.packetId);
                } else if (frame.type == WireMqtt.PUBLISH) {
                    byte[] body = new byte[frame.payloadLength()];
                    in.get(frame.payloadStart, body);
                    topics.add(frame.topic(in));
                    payloads.add(body);
                }
            });
            List<Integer> pubacks = new CopyOnWriteArrayList<>();
            publisher.start("raw-pub", (frame, in, readNanos) -> {
                if (frame.type == WireMqtt.PUBACK) {
                    pubacks.add(frame.packetId);
                }
            });
            ByteBuffer subscribe = ByteBuffer.allocate(64);
            WireMqtt.putSubscribe(subscribe, 7, "bench/#", 0);
            subscriber.write(subscribe.array(), 0, subscribe.position());
            await().atMost(STALL).until(() -> subacks.contains(7));

            ByteBuffer publish = ByteBuffer.allocate(WireMqtt.publishFrameBytes(topic.length, 1, payload.length));
            WireMqtt.putPublishHeader(publish, topic, 1, false, 42, payload.length);
            publish.put(payload);
            publisher.write(publish.array(), 0, publish.position());

            await().atMost(STALL).until(() -> pubacks.contains(42) && payloads.size() == 1);
            assertThat(topics).containsExactly(UTF8_TOPIC);
            assertThat(payloads.get(0)).isEqualTo(payload);
        }
    }

    @Test
    void qos2IsRefusedBeforeConnecting() {
        assertThatThrownBy(() -> Receiver.subscribe("sub", 1, "bench/#", MqttQos.EXACTLY_ONCE, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("QoS 2");
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}

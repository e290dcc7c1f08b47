package io.mqttreplicator.broker;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedListener;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedListener;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.lifecycle.Mqtt3ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.unsubscribe.Mqtt3Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientConnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import io.mqttreplicator.engine.SharedSubscription;
import io.mqttreplicator.engine.Subscription;
import io.reactivex.schedulers.Schedulers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The few operations the channel needs from the HiveMQ client, over its MQTT 3.1.1 or MQTT 5 API
 * (they share no interface for messages): connecting, subscribing, disconnecting. Messages are
 * received and published beside it, on its connection ({@link PublishReceiver}, {@link PublishSender}).
 */
sealed interface ProtocolClient permits ProtocolClient.Mqtt3, ProtocolClient.Mqtt5 {

    /**
     * The client's callbacks (connected, subscribed) run on its own Netty thread instead of hopping
     * to RxJava's computation pool. Connections made with it share the client's default event loops.
     */
    MqttClientExecutorConfig EXECUTOR_CONFIG = MqttClientExecutorConfig.builder()
            .applicationScheduler(Schedulers.trampoline())
            .build();

    /**
     * {@link #EXECUTOR_CONFIG}, but every connection made with the same {@code thread} runs on one
     * event loop on that thread (the client keeps one loop per executor while any connection uses
     * it, and ends it with the last).
     */
    static MqttClientExecutorConfig executorConfig(Executor thread) {
        if (thread == null) {
            return EXECUTOR_CONFIG;
        }
        return MqttClientExecutorConfig.builder()
                .nettyExecutor(thread)
                .nettyThreads(1)
                .applicationScheduler(Schedulers.trampoline())
                .build();
    }

    /** @param thread where the connection's event loop runs (see {@link #executorConfig}), or null */
    static ProtocolClient create(BrokerSettings settings, MqttClientTransportConfig transport, Executor thread,
            MqttClientConnectedListener connected, MqttClientDisconnectedListener disconnected) {
        MqttClientBuilder builder = MqttClient.builder()
                .identifier(settings.clientId())
                .transportConfig(transport)
                .executorConfig(executorConfig(thread))
                .addConnectedListener(connected)
                .addDisconnectedListener(disconnected);
        return switch (settings.protocolVersion()) {
            case 4 -> new Mqtt3(builder.useMqttVersion3(), settings);
            case 5 -> new Mqtt5(builder.useMqttVersion5(), settings);
            default -> throw new IllegalArgumentException("protocol version must be 4 (MQTT 3.1.1) or 5 (MQTT 5): "
                    + settings.protocolVersion());
        };
    }

    CompletableFuture<?> connect();

    /** A normal DISCONNECT; it keeps a persistent session (and its queued messages) on the broker. */
    CompletableFuture<?> disconnect();

    /** Completes with the filters the broker refused, each followed by the reason code. */
    CompletableFuture<List<String>> subscribe(List<Subscription> subscriptions);

    CompletableFuture<?> unsubscribe(List<String> filters);

    boolean sessionPresent(MqttClientConnectedContext context);

    MqttClientState state();

    private static int keepAliveSeconds(BrokerSettings settings) {
        return (int) Math.min(Math.max(settings.keepAlive().toSeconds(), 0), 65_535);
    }

    final class Mqtt3 implements ProtocolClient {
        private final Mqtt3AsyncClient client;
        private final BrokerSettings settings;

        Mqtt3(Mqtt3ClientBuilder builder, BrokerSettings settings) {
            this.settings = settings;
            // MQTT 3.1.1 allows no password without a user name
            settings.credentials().filter(credentials -> credentials.username() != null)
                    .ifPresent(credentials -> {
                        var auth = builder.simpleAuth().username(credentials.username());
                        if (credentials.password() != null) {
                            auth.password(credentials.password().getBytes(StandardCharsets.UTF_8));
                        }
                        auth.applySimpleAuth();
                    });
            this.client = builder.buildAsync();
        }

        @Override
        public CompletableFuture<?> connect() {
            return client.connectWith()
                    .cleanSession(settings.cleanSession())
                    .keepAlive(keepAliveSeconds(settings))
                    .send();
        }

        @Override
        public CompletableFuture<?> disconnect() {
            return client.disconnect();
        }

        @Override
        public CompletableFuture<List<String>> subscribe(List<Subscription> subscriptions) {
            List<Mqtt3Subscription> mqttSubscriptions = new ArrayList<>(subscriptions.size());
            for (Subscription subscription : subscriptions) {
                mqttSubscriptions.add(Mqtt3Subscription.builder()
                        .topicFilter(subscription.filter())
                        .qos(MqttQos.fromCode(subscription.qos()))
                        .build());
            }
            return client.subscribe(Mqtt3Subscribe.builder().addSubscriptions(mqttSubscriptions).build())
                    .thenApply(subAck -> {
                        List<String> refused = new ArrayList<>();
                        List<Mqtt3SubAckReturnCode> codes = subAck.getReturnCodes();
                        for (int i = 0; i < codes.size(); i++) {
                            if (codes.get(i).isError()) {
                                refused.add(subscriptions.get(i).filter() + " (" + codes.get(i) + ")");
                            }
                        }
                        return refused;
                    });
        }

        @Override
        public CompletableFuture<?> unsubscribe(List<String> filters) {
            return client.unsubscribe(Mqtt3Unsubscribe.builder()
                    .addTopicFilters(filters.stream().map(MqttTopicFilter::of)
                            .toArray(MqttTopicFilter[]::new))
                    .build());
        }

        @Override
        public boolean sessionPresent(MqttClientConnectedContext context) {
            return ((Mqtt3ClientConnectedContext) context).getConnAck().isSessionPresent();
        }

        @Override
        public MqttClientState state() {
            return client.getState();
        }
    }

    final class Mqtt5 implements ProtocolClient {
        private final Mqtt5AsyncClient client;
        private final BrokerSettings settings;

        Mqtt5(Mqtt5ClientBuilder builder, BrokerSettings settings) {
            this.settings = settings;
            settings.credentials()
                    .filter(credentials -> credentials.username() != null || credentials.password() != null)
                    .ifPresent(credentials -> builder.simpleAuth(simpleAuth(credentials)));
            this.client = builder.buildAsync();
        }

        private static Mqtt5SimpleAuth simpleAuth(BrokerSettings.Credentials credentials) {
            Mqtt5SimpleAuthBuilder.Complete auth = credentials.username() != null
                    ? Mqtt5SimpleAuth.builder().username(credentials.username())
                    : Mqtt5SimpleAuth.builder().password(credentials.password().getBytes(StandardCharsets.UTF_8));
            if (credentials.username() != null && credentials.password() != null) {
                auth.password(credentials.password().getBytes(StandardCharsets.UTF_8));
            }
            return auth.build();
        }

        @Override
        public CompletableFuture<?> connect() {
            return client.connectWith()
                    .cleanStart(settings.cleanSession())
                    .sessionExpiryInterval(settings.cleanSession() ? 0 : settings.sessionExpiry().toSeconds())
                    .keepAlive(keepAliveSeconds(settings))
                    .send();
        }

        @Override
        public CompletableFuture<?> disconnect() {
            return client.disconnect();
        }

        @Override
        public CompletableFuture<List<String>> subscribe(List<Subscription> subscriptions) {
            List<Mqtt5Subscription> mqttSubscriptions = new ArrayList<>(subscriptions.size());
            for (Subscription subscription : subscriptions) {
                mqttSubscriptions.add(Mqtt5Subscription.builder()
                        .topicFilter(subscription.filter())
                        .qos(MqttQos.fromCode(subscription.qos()))
                        // No Local is a protocol error on shared subscriptions
                        .noLocal(!SharedSubscription.isShared(subscription.filter()))
                        .build());
            }
            return client.subscribe(Mqtt5Subscribe.builder().addSubscriptions(mqttSubscriptions).build())
                    .thenApply(subAck -> {
                        List<String> refused = new ArrayList<>();
                        var codes = subAck.getReasonCodes();
                        for (int i = 0; i < codes.size(); i++) {
                            if (codes.get(i).isError()) {
                                refused.add(subscriptions.get(i).filter() + " (" + codes.get(i) + ")");
                            }
                        }
                        return refused;
                    });
        }

        @Override
        public CompletableFuture<?> unsubscribe(List<String> filters) {
            return client.unsubscribe(Mqtt5Unsubscribe.builder()
                    .addTopicFilters(filters.stream().map(MqttTopicFilter::of)
                            .toArray(MqttTopicFilter[]::new))
                    .build());
        }

        @Override
        public boolean sessionPresent(MqttClientConnectedContext context) {
            return ((Mqtt5ClientConnectedContext) context).getConnAck().isSessionPresent();
        }

        @Override
        public MqttClientState state() {
            return client.getState();
        }
    }
}

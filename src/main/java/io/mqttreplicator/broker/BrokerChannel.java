package io.mqttreplicator.broker;

import com.hivemq.client.internal.mqtt.MqttClientConnectionConfig;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.MqttWebSocketConfig;
import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientReconnector;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.mqttreplicator.engine.BrokerEndpoint;
import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.engine.Subscription;
import io.netty.channel.Channel;
import io.smallrye.mutiny.Multi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * One connection to one broker, on the HiveMQ MQTT client: an inbound stream of the messages its
 * subscriptions receive, acknowledged to the broker only when the engine acks them, and an
 * outbound publisher.
 * <p>
 * <b>Lifecycle.</b> Construct, subscribe to {@link #inbound()} (before or after {@link #start()},
 * nothing is lost either way: each connection's {@link PublishReceiver} is in place before the first
 * message after CONNACK, and messages wait unacknowledged until requested), call {@link #start()}, and
 * {@link #close()} when done. {@code start()} never waits for the broker: it begins connecting and
 * the channel keeps reconnecting, through {@link BrokerSettings#addresses()} in order, with an
 * exponential, jittered backoff from {@link BrokerSettings#reconnectDelay()} up to 30 s (5 s at
 * least after the broker refused the connection), until closed. After close no reconnect happens.
 * <p>
 * <b>Failover.</b> A failed attempt tries the next address. A lost connection starts again from the
 * first address with {@code roundRobin: false}, and from the address it was on with
 * {@code roundRobin: true}. With {@code roundRobin: false}, while connected to a later address the
 * channel checks every {@link BrokerSettings#reconnectDelay()} whether the first address accepts
 * TCP connections again ({@link FirstAddressProbe}); once it does, the channel disconnects and
 * connects to the first address. Unacknowledged publishes are sent again there. A move back that
 * fails lands on the later address again, and the checks slow down (doubling, up to 30 s).
 * <p>
 * <b>Guarantees.</b> The first connection subscribes to every subscription; afterwards the client
 * re-subscribes by itself whenever the broker lost the session, and
 * {@link #updateSubscriptions(List)} changes them without reconnecting. A nacked message is
 * redelivered by reconnecting (MQTT has no negative acknowledgement), for a persistent session;
 * with a clean session it is dropped. Closing sends a normal DISCONNECT, which keeps a persistent
 * session and its queued messages on the broker.
 * <p>
 * <b>A publish the broker cannot take.</b> A publish is sent again on every reconnect until the
 * broker acknowledges it ({@link PublishSender}). But some brokers answer a publish they refuse by
 * ending the connection (Mosquitto over MQTT 3.1.1 above {@code max_packet_size}; over MQTT 5 above
 * {@code message_size_limit} it sends a PUBACK reason code the protocol does not allow, and the
 * client's decoder closes the connection), so the connection would never work again. So when
 * {@value #POISON_STRIKES} connections in a row end within 10 s of their start while the same publish
 * is the oldest one unacknowledged, that publish fails with {@link PublishRefusedException}
 * ({@value #CONNECTION_ENDED_ON_PUBLISH}), is not sent again, and the channel reconnects at once,
 * to the same session: the other unacknowledged publishes are sent again, and what the broker
 * queued for the replicator meanwhile is kept.
 * <p>
 * <b>Threads.</b> Inbound messages, publish completions and state events arrive on the client's
 * event loop, which the channels of one {@link ConnectionThread} share: do not block there. Every
 * method may be called from any thread.
 */
public final class BrokerChannel implements BrokerEndpoint, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BrokerChannel.class);
    /** A connection that lasted this long starts the backoff over when it ends. */
    private static final long STABLE_NANOS = Duration.ofSeconds(10).toNanos();
    /** Short connections in a row with the same oldest unacknowledged publish before it is given up. */
    public static final int POISON_STRIKES = 3;
    /** The {@link PublishRefusedException#reasonCode()} of a publish given up that way. */
    public static final String CONNECTION_ENDED_ON_PUBLISH = "CONNECTION_ENDED_ON_PUBLISH";
    /**
     * Where Mosquitto says how many messages it dropped for its clients (queue limits), every
     * {@code sys_interval}, retained. Subscribed at QoS 0 on every connection, apart from the rules'
     * subscriptions; brokers that do not publish it send nothing.
     */
    static final String BROKER_DROPPED_TOPIC = "$SYS/broker/publish/messages/dropped";

    private final BrokerSettings settings;
    private final String name;
    private final List<BrokerAddress> addresses;
    private final List<MqttClientTransportConfig> transports;
    private final ProtocolClient client;
    private final InboundStream inbound;
    private final Multi<Message<BrokerMessage>> inboundMulti;
    private final InboundMessage.Redelivery redelivery = this::nacked;
    private final ReconnectBackoff backoff;
    private final List<Consumer<ConnectionEvent>> listeners = new CopyOnWriteArrayList<>();
    /** Publishes, on every connection of the channel. */
    private final PublishSender sender;
    private final AtomicBoolean redeliveryRequested = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean closeFinished = new AtomicBoolean();
    private final Object lifecycleLock = new Object();
    private final Object subscriptionLock = new Object();
    private final Object statusLock = new Object();

    private boolean started; // lifecycleLock
    private volatile boolean closing;
    private volatile CompletableFuture<Void> reconnectGate;
    /** What the broker last said it dropped ({@link #BROKER_DROPPED_TOPIC}), -1 before it said anything. */
    private volatile long brokerDropped = -1;
    /** Counts connections; a move back to the first address belongs to the one it was decided on. */
    private volatile long connection;
    private volatile int addressIndex;
    private final FirstAddressProbe firstAddressProbe;
    /** Set when the channel disconnects on purpose to move back to the first address. */
    private volatile boolean movingBack;
    private volatile ConnectionEvent status;
    private Map<String, Subscription> subscriptions; // subscriptionLock
    private boolean subscribed; // subscriptionLock: the first connection has subscribed

    // only touched on the client's event loop
    private boolean connectionUp;
    private boolean everConnected;
    private long connectedAt;
    /** Between the disconnect to move back and the outcome of the first attempt on the first address. */
    private boolean moveBackPending;
    private int movedBackFrom;
    private int failedMoveBacks;
    private PublishSender.Publish suspect;
    private int suspectStrikes;

    /**
     * Creates the channel without connecting, on the client's shared event loops. Throws
     * IllegalArgumentException when an address or the TLS material is unusable.
     */
    public BrokerChannel(BrokerSettings settings, List<Subscription> subscriptions) {
        this(settings, subscriptions, null);
    }

    /**
     * Creates the channel without connecting, its connection on {@code thread}'s event loop, shared
     * with the other channels made with it. Throws IllegalArgumentException when an address or the
     * TLS material is unusable.
     */
    public BrokerChannel(BrokerSettings settings, List<Subscription> subscriptions, ConnectionThread thread) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.name = settings.name();
        this.addresses = settings.addresses().stream().map(BrokerAddress::parse).toList();
        MqttClientSslConfig ssl = null;
        if (addresses.stream().anyMatch(BrokerAddress::tls)) {
            ssl = TlsContexts.sslConfig(settings.tls());
            if (!settings.tls().verifyServer()) {
                LOG.warnf("Broker '%s': TLS server verification is disabled, the broker's certificate and host name"
                        + " are not checked", name);
            }
        }
        List<MqttClientTransportConfig> transportConfigs = new ArrayList<>();
        for (BrokerAddress address : addresses) {
            transportConfigs.add(transport(address, ssl, settings.connectTimeout()));
        }
        this.transports = List.copyOf(transportConfigs);
        this.subscriptions = byFilter(subscriptions);
        this.backoff = new ReconnectBackoff(settings.reconnectDelay(), addresses.size());
        this.firstAddressProbe = new FirstAddressProbe(addresses.get(0), settings.connectTimeout());
        this.status = new ConnectionEvent(name, ConnectionState.DISCONNECTED, Optional.of(addresses.get(0).toString()),
                Optional.empty(), Instant.now(), Optional.empty());
        this.client = ProtocolClient.create(settings, transports.get(0), thread, this::onConnected, this::onDisconnected);
        this.sender = new PublishSender(name, settings.protocolVersion());
        this.inbound = new InboundStream(name);
        this.inboundMulti = Multi.createFrom().publisher(inbound);
    }

    /** The client's address stays a host name (resolved on every connection attempt) unless it is an IP literal. */
    static MqttClientTransportConfig transport(BrokerAddress address, MqttClientSslConfig ssl,
            Duration connectTimeout) {
        long timeoutMillis = Math.max(connectTimeout.toMillis(), 1);
        MqttClientTransportConfigBuilder builder = MqttClientTransportConfig.builder()
                .serverHost(address.host())
                .serverPort(address.port())
                .socketConnectTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .mqttConnectTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
        if (address.tls()) {
            builder.sslConfig(ssl);
        }
        if (address.websocket()) {
            builder.webSocketConfig(MqttWebSocketConfig.builder()
                    .serverPath(address.websocketPath())
                    .queryString(address.websocketQuery())
                    .build());
        }
        return builder.build();
    }

    private static Map<String, Subscription> byFilter(List<Subscription> subscriptions) {
        Map<String, Subscription> byFilter = new LinkedHashMap<>();
        for (Subscription subscription : subscriptions) {
            byFilter.merge(subscription.filter(), subscription, (a, b) -> a.qos() >= b.qos() ? a : b);
        }
        return byFilter;
    }

    @Override
    public String name() {
        return name;
    }

    public BrokerSettings settings() {
        return settings;
    }

    /**
     * Starts connecting and returns at once. Does nothing when already started or closed.
     */
    public void start() {
        synchronized (lifecycleLock) {
            if (closing || started) {
                return;
            }
            started = true;
        }
        LOG.infof("Broker '%s': connecting to %s as client id '%s' (MQTT %s, %s session)", name, addresses.get(0),
                settings.clientId(), settings.protocolVersion() == 5 ? "5" : "3.1.1",
                settings.cleanSession() ? "clean" : "persistent");
        setStatus(ConnectionState.CONNECTING, 0, null);
        client.connect();
    }

    /**
     * {@inheritDoc}
     * <p>
     * One subscriber at a time; after it cancelled, the next one gets the messages that were on
     * their way first. Every message delivered must eventually be acked or nacked: the client
     * acknowledges in order, so one message left pending holds back the PUBACKs of all later ones.
     * Completes when the channel is closed.
     */
    @Override
    public Multi<Message<BrokerMessage>> inbound() {
        return inboundMulti;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Published with QoS min(message, {@link BrokerSettings#maxQos()}), by the channel's
     * {@link PublishSender}. Before the first connection and while reconnecting publishes wait (without
     * a bound: the caller limits what it has in flight). Refused by an MQTT 5 broker:
     * {@link PublishRefusedException}; closed: {@link BrokerChannelClosedException}.
     */
    @Override
    public CompletionStage<Void> publish(BrokerMessage message) {
        if (closing) {
            return CompletableFuture.failedFuture(new BrokerChannelClosedException(name));
        }
        PublishSender.Publish publish = sender.submit(message, Math.min(message.qos(), settings.maxQos()));
        if (closing) {
            // close() may have failed the publishes before this one was added
            sender.giveUp(publish, new BrokerChannelClosedException(name));
        }
        return publish;
    }

    @Override
    public void updateSubscriptions(List<Subscription> next) {
        Map<String, Subscription> wanted = byFilter(next);
        synchronized (subscriptionLock) {
            List<Subscription> added = new ArrayList<>();
            for (Subscription subscription : wanted.values()) {
                if (!subscription.equals(subscriptions.get(subscription.filter()))) {
                    added.add(subscription);
                }
            }
            List<String> removed = new ArrayList<>();
            for (String filter : subscriptions.keySet()) {
                if (!wanted.containsKey(filter)) {
                    removed.add(filter);
                }
            }
            subscriptions = wanted;
            if (added.isEmpty() && removed.isEmpty()) {
                return;
            }
            LOG.infof("Broker '%s': subscriptions change, adding %s, removing %s", name, filters(added), removed);
            if (!subscribed || closing) {
                return; // the first connection subscribes to what is wanted then
            }
            // Inside the lock: the client sends SUBSCRIBE and UNSUBSCRIBE in call order.
            if (!removed.isEmpty()) {
                client.unsubscribe(removed).whenComplete((ignored, error) -> {
                    if (error != null && !closing) {
                        LOG.warnf("Broker '%s': unsubscribing from %s failed: %s", name, removed, describe(error));
                    }
                });
            }
            if (!added.isEmpty()) {
                subscribe(added);
            }
        }
    }

    private void subscribe(List<Subscription> toSubscribe) {
        client.subscribe(toSubscribe).whenComplete((refused, error) -> {
            if (error != null) {
                if (!closing) {
                    LOG.warnf("Broker '%s': subscribing to %s failed: %s", name, filters(toSubscribe), describe(error));
                }
            } else if (!refused.isEmpty()) {
                LOG.warnf("Broker '%s' refused the subscriptions %s", name, refused);
            } else {
                LOG.debugf("Broker '%s': subscribed to %s", name, filters(toSubscribe));
            }
        });
    }

    private static List<String> filters(List<Subscription> subscriptions) {
        return subscriptions.stream().map(Subscription::filter).toList();
    }

    /**
     * {@inheritDoc} MQTT 3.1.1: yes. MQTT 5: no, the subscriptions use No Local; shared ones
     * ({@code $share/...}), where No Local is not allowed, do bring echoes back, possibly to another
     * instance, but those carry the replication's origin mark, by which the engine drops them.
     */
    @Override
    public boolean echoesOwnPublishes() {
        return settings.protocolVersion() != 5;
    }

    @Override
    public int maxQos() {
        return settings.maxQos();
    }

    public ConnectionState state() {
        return status.state();
    }

    /** The address in use, or being tried (no credentials in it). */
    public String address() {
        return status.address().orElseThrow();
    }

    /** Why the last connection attempt failed or the last connection ended, until the next connection. */
    public Optional<String> lastError() {
        return status.error();
    }

    /** The current state, address and error as one event. */
    public ConnectionEvent status() {
        return status;
    }

    /**
     * Calls the listener with every change of state, address or error, in order, on the thread that
     * caused it (usually the client's event loop): it must return quickly.
     */
    public void addStateListener(Consumer<ConnectionEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeStateListener(Consumer<ConnectionEvent> listener) {
        listeners.remove(listener);
    }

    /**
     * Closes the connection, also while connecting or waiting to reconnect, and completes when no
     * connection is open or will be opened. Pending publishes fail with
     * {@link BrokerChannelClosedException}; the inbound stream completes.
     */
    public CompletionStage<Void> closeAsync() {
        boolean wasStarted;
        synchronized (lifecycleLock) {
            if (closing) {
                return closed;
            }
            closing = true;
            wasStarted = started;
        }
        if (!wasStarted) {
            finishClose();
            return closed;
        }
        // Waiting to reconnect: the client's disconnect() would throw and the reconnect go on, so
        // the reconnect itself is cancelled (onReconnectDue). Connecting: the listeners close it.
        CompletableFuture<Void> gate = reconnectGate;
        if (gate != null) {
            gate.complete(null);
        }
        if (client.state() == MqttClientState.CONNECTED) {
            client.disconnect();
        }
        return closed;
    }

    /** {@link #closeAsync()}, waiting for it a bounded time. Do not call it on the client's event loop. */
    @Override
    public void close() {
        Duration wait = settings.connectTimeout().plusSeconds(15);
        try {
            closeAsync().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warnf("Broker '%s': the connection did not close within %s", name, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            LOG.warnf(e.getCause(), "Broker '%s': closing failed", name);
        }
    }

    private void finishClose() {
        if (!closeFinished.compareAndSet(false, true)) {
            return;
        }
        inbound.close();
        sender.failAll(new BrokerChannelClosedException(name));
        setStatus(ConnectionState.DISCONNECTED, addressIndex, null);
        firstAddressProbe.stop();
        LOG.infof("Broker '%s': channel closed", name);
        closed.complete(null);
    }

    private void onConnected(MqttClientConnectedContext context) {
        MqttClientConnectionConfig connectionConfig = ClientPipeline.connection(context);
        Channel nettyChannel = connectionConfig.getChannel();
        FlushBatching.install(nettyChannel);
        PublishReceiver connectionReceiver = new PublishReceiver(this::received, redelivery, sender, name);
        connectionReceiver.install(nettyChannel);
        long current = connection + 1;
        connection = current;
        connectionUp = true;
        everConnected = true;
        connectedAt = System.nanoTime();
        redeliveryRequested.set(false);
        if (closing) {
            client.disconnect();
            return;
        }
        boolean sessionPresent = client.sessionPresent(context);
        LOG.infof("Broker '%s': connected to %s as '%s' (%s)", name, addresses.get(addressIndex), settings.clientId(),
                sessionPresent ? "session resumed" : "new session");
        sender.connected(connectionReceiver, sessionPresent, connectionConfig.getSendMaximum());
        setStatus(ConnectionState.CONNECTED, addressIndex, null);
        watchFirstAddress(current);
        synchronized (subscriptionLock) {
            if (!subscribed) {
                subscribed = true;
                if (!subscriptions.isEmpty()) {
                    subscribe(List.copyOf(subscriptions.values()));
                }
            }
        }
        client.subscribe(List.of(new Subscription(BROKER_DROPPED_TOPIC, 0))).whenComplete((refused, error) ->
                LOG.debugf("Broker '%s': subscribing to %s: %s", name, BROKER_DROPPED_TOPIC,
                        error != null ? describe(error) : refused.isEmpty() ? "done" : "refused"));
    }

    /**
     * With roundRobin false, on a later address: probe the first one and move back once it accepts
     * connections. The probe interval doubles after each move back that did not hold.
     */
    private void watchFirstAddress(long current) {
        moveBackPending = false;
        if (addressIndex == 0) {
            failedMoveBacks = 0;
        }
        if (settings.roundRobin() || addressIndex == 0 || closing) {
            return;
        }
        long interval = Math.min(Math.max(settings.reconnectDelay().toMillis(), ReconnectBackoff.FLOOR.toMillis())
                << failedMoveBacks, ReconnectBackoff.CAP.toMillis());
        firstAddressProbe.start(Duration.ofMillis(interval), () -> moveBackToFirstAddress(current));
    }

    /** On a probe thread, once the first address accepts TCP connections. */
    private void moveBackToFirstAddress(long onConnection) {
        if (closing || connection != onConnection || status.state() != ConnectionState.CONNECTED) {
            return; // that connection has ended meanwhile: the reconnect starts from the first address anyway
        }
        LOG.infof("Broker '%s': the first address %s accepts connections again; moving back from %s", name,
                addresses.get(0), addresses.get(addressIndex));
        movingBack = true;
        if (client.state() == MqttClientState.CONNECTED) {
            client.disconnect();
        }
    }

    private void onDisconnected(MqttClientDisconnectedContext context) {
        sender.disconnected();
        MqttClientReconnector reconnector = context.getReconnector();
        Throwable cause = context.getCause();
        boolean wasUp = connectionUp;
        connectionUp = false;
        firstAddressProbe.stop();
        boolean moveBack = movingBack;
        movingBack = false;
        BrokerAddress address = addresses.get(addressIndex);
        if (closing) {
            reconnector.reconnect(false);
            if (wasUp) {
                LOG.infof("Broker '%s': disconnected from %s", name, address);
            }
            finishClose();
            return;
        }
        if (wasUp && System.nanoTime() - connectedAt >= STABLE_NANOS) {
            backoff.reset();
        }
        if (moveBack && wasUp) {
            moveBackPending = true;
            movedBackFrom = addressIndex;
            String reason = "moving back to the first address " + addresses.get(0);
            LOG.infof("Broker '%s': disconnected from %s, %s", name, address, reason);
            setStatus(ConnectionState.DISCONNECTED, addressIndex, reason, ConnectionEnd.REPLICATOR);
            reconnect(reconnector, 0, 0);
            return;
        }
        if (!wasUp && moveBackPending && addressIndex == 0) {
            // the first address took the TCP probe but not the MQTT connection: back to the one that worked
            moveBackPending = false;
            failedMoveBacks = Math.min(failedMoveBacks + 1, 20);
            String error = describe(cause);
            LOG.warnf("Broker '%s': moving back to %s failed: %s; returning to %s", name, address, error,
                    addresses.get(movedBackFrom));
            setStatus(isRefusal(cause) ? ConnectionState.FAILED : ConnectionState.DISCONNECTED, addressIndex, error);
            reconnect(reconnector, movedBackFrom, ReconnectBackoff.FLOOR.toMillis());
            return;
        }
        boolean forRedelivery = context.getSource() == MqttDisconnectSource.USER && redeliveryRequested.get();
        boolean shortLived = wasUp && !forRedelivery && System.nanoTime() - connectedAt < STABLE_NANOS;
        PublishSender.Publish poison = poisonPublish(shortLived);
        boolean refused = isRefusal(cause);
        String error = forRedelivery ? "closed by the replicator: reconnecting so that the broker redelivers nacked messages"
                : wasUp ? describeEnd(context.getSource(), cause) : describe(cause);
        int next = nextAddress(wasUp);
        long delay = backoff.nextDelayMillis(refused);
        if (refused) {
            LOG.warnf("Broker '%s' at %s refused the connection: %s; retrying in %d ms", name, address, error, delay);
        } else if (wasUp) {
            LOG.infof("Broker '%s': connection to %s ended: %s; reconnecting in %d ms", name, address, error, delay);
        } else if (!status.error().equals(Optional.of(error))) {
            LOG.infof("Broker '%s': connecting to %s failed: %s; retrying in %d ms", name, address, error, delay);
        } else {
            LOG.debugf("Broker '%s': connecting to %s failed: %s; retrying in %d ms", name, address, error, delay);
        }
        ConnectionState state = refused ? ConnectionState.FAILED
                : everConnected ? ConnectionState.DISCONNECTED : ConnectionState.CONNECTING;
        setStatus(state, addressIndex, error, wasUp ? endedBy(context.getSource(), cause) : null);
        if (poison != null) {
            LOG.warnf("Broker '%s': %d connections in a row ended soon after they started while a publish to '%s' (%d bytes)"
                    + " waited for its acknowledgement; giving that publish up and reconnecting", name, POISON_STRIKES,
                    poison.message.topic(), poison.message.payload().length);
            sender.giveUp(poison, new PublishRefusedException(name, poison.message.topic(), CONNECTION_ENDED_ON_PUBLISH, cause));
            delay = 0;
        }
        reconnect(reconnector, next, delay);
    }

    private void reconnect(MqttClientReconnector reconnector, int next, long delay) {
        CompletableFuture<Void> gate = new CompletableFuture<>();
        reconnectGate = gate;
        reconnector.reconnect(true)
                .transportConfig(transports.get(next))
                .reconnectWhen(gate, (ignored, failure) -> onReconnectDue(reconnector, next));
        gate.completeOnTimeout(null, delay, TimeUnit.MILLISECONDS);
        if (closing) {
            gate.complete(null);
        }
    }

    /**
     * Counts a connection that ended: the publish to give up when {@value #POISON_STRIKES} short
     * connections in a row ended with the same oldest unacknowledged publish, else null.
     */
    private PublishSender.Publish poisonPublish(boolean shortLived) {
        PublishSender.Publish head = sender.oldest();
        if (!shortLived || head == null) {
            suspect = null;
            suspectStrikes = 0;
            return null;
        }
        if (head == suspect) {
            suspectStrikes++;
        } else {
            suspect = head;
            suspectStrikes = 1;
        }
        if (suspectStrikes < POISON_STRIKES) {
            return null;
        }
        suspect = null;
        suspectStrikes = 0;
        return head;
    }

    /** On the event loop, when the reconnect delay is over or the channel was closed meanwhile. */
    private void onReconnectDue(MqttClientReconnector reconnector, int next) {
        if (closing) {
            reconnector.reconnect(false);
            finishClose();
            return;
        }
        addressIndex = next;
        ConnectionEvent current = status;
        setStatus(current.state(), next, current.error().orElse(null));
        LOG.debugf("Broker '%s': connecting to %s", name, addresses.get(next));
    }

    private int nextAddress(boolean wasUp) {
        if (addresses.size() == 1) {
            return 0;
        }
        if (wasUp) {
            return settings.roundRobin() ? addressIndex : 0;
        }
        return (addressIndex + 1) % addresses.size();
    }

    /** On the event loop: the broker's own reports go to {@link #brokerReported}, the rest to the engine. */
    private void received(InboundMessage message) {
        if (message.getPayload().topic().equals(BROKER_DROPPED_TOPIC)) {
            brokerReported(message.getPayload());
            message.ack();
        } else {
            inbound.received(message);
        }
    }

    private void brokerReported(BrokerMessage report) {
        long dropped;
        try {
            dropped = Long.parseLong(new String(report.payload(), StandardCharsets.US_ASCII).trim());
        } catch (NumberFormatException notANumber) {
            return;
        }
        long before = brokerDropped;
        brokerDropped = dropped;
        if (dropped > before && dropped > 0) {
            LOG.warnf("Broker '%s' reports %d %smessages dropped for its clients (%d since it started): its queue limits"
                    + " (Mosquitto: max_queued_messages, max_queued_bytes) were reached, and what it dropped for the"
                    + " replicator's session never reaches the other brokers", name, before < 0 ? dropped : dropped - before,
                    before < 0 ? "" : "more ", dropped);
        }
    }

    /**
     * The messages the broker said it dropped for its clients since it started, all clients together
     * (Mosquitto's {@value #BROKER_DROPPED_TOPIC}); -1 until it says.
     */
    public long brokerDroppedMessages() {
        return brokerDropped;
    }

    /**
     * A nacked message stays unacknowledged, and so do the ones behind it (acknowledgements keep
     * the broker's order) until the reconnect that makes the broker send them again.
     */
    private void nacked(InboundMessage message, Throwable reason) {
        if (closing || !message.receiver.active()) {
            return; // its connection ends or has ended: the broker sends it again on the next one
        }
        if (message.getPayload().qos() == 0 || settings.cleanSession()) {
            message.release(); // nothing would redeliver it
            return;
        }
        LOG.debugf("Broker '%s': %s nacked: %s", name, message.getPayload(), reason);
        if (redeliveryRequested.compareAndSet(false, true)) {
            LOG.infof("Broker '%s': a message was nacked (%s); reconnecting so that the broker redelivers it", name,
                    reason.toString());
            if (client.state() == MqttClientState.CONNECTED) {
                client.disconnect();
            }
        }
    }

    private void setStatus(ConnectionState state, int address, String error) {
        setStatus(state, address, error, null);
    }

    /** {@code ended}: who ended the connection, when this change is the end of one that was up. */
    private void setStatus(ConnectionState state, int address, String error, ConnectionEnd ended) {
        synchronized (statusLock) {
            ConnectionEvent previous = status;
            Optional<String> addressText = Optional.of(addresses.get(address).toString());
            Optional<String> errorText = Optional.ofNullable(error);
            if (ended == null && previous.state() == state && previous.address().equals(addressText)
                    && previous.error().equals(errorText)) {
                return;
            }
            ConnectionEvent event = new ConnectionEvent(name, state, addressText, errorText,
                    previous.state() == state ? previous.since() : Instant.now(), Optional.ofNullable(ended));
            status = event;
            for (Consumer<ConnectionEvent> listener : listeners) {
                try {
                    listener.accept(event);
                } catch (RuntimeException e) {
                    LOG.warnf(e, "Broker '%s': a connection state listener failed", name);
                }
            }
        }
    }

    /** Refusals and TLS failures: retrying soon will not help. */
    static boolean isRefusal(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof Mqtt5ConnAckException connAck) {
            Mqtt5ConnAckReasonCode code = connAck.getMqttMessage().getReasonCode();
            return code != Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE && code != Mqtt5ConnAckReasonCode.SERVER_BUSY;
        }
        if (e instanceof Mqtt3ConnAckException connAck) {
            return connAck.getMqttMessage().getReturnCode()
                    != com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode.SERVER_UNAVAILABLE;
        }
        return find(e, SSLException.class) != null || find(e, CertificateException.class) != null;
    }

    /** A short, secret-free description of why a connection failed or ended. */
    static String describe(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof Mqtt3ConnAckException connAck) {
            return "connection refused: " + connAck.getMqttMessage().getReturnCode();
        }
        if (e instanceof Mqtt5ConnAckException connAck) {
            return "connection refused: " + connAck.getMqttMessage().getReasonCode()
                    + connAck.getMqttMessage().getReasonString().map(reason -> " (" + reason + ")").orElse("");
        }
        if (e instanceof Mqtt5DisconnectException disconnect) {
            return "disconnected by the broker: " + disconnectReason(disconnect);
        }
        if (e instanceof Mqtt3DisconnectException) {
            // an MQTT 3.1.1 broker sends no DISCONNECT: the client closed the connection
            return "closed by the replicator: " + e.getMessage();
        }
        SSLException ssl = find(e, SSLException.class);
        if (ssl != null) {
            // the trust manager's own explanation, when the broker's certificate was the problem
            CertificateException certificate = find(ssl, CertificateException.class);
            return "TLS failed: " + (certificate != null ? certificate.getMessage() : ssl.getMessage());
        }
        String message = rootMessage(e);
        if (e instanceof ConnectionFailedException) {
            return "connection failed: " + message;
        }
        if (e instanceof ConnectionClosedException) {
            return "connection closed: " + message;
        }
        return message;
    }

    /** Who ended a connection that was up, from the client's disconnect source and cause. */
    static ConnectionEnd endedBy(MqttDisconnectSource source, Throwable cause) {
        return switch (source) {
            case SERVER -> ConnectionEnd.BROKER;
            case USER -> ConnectionEnd.REPLICATOR;
            case CLIENT -> {
                Throwable e = unwrap(cause);
                boolean protocol = e instanceof Mqtt5DisconnectException || e instanceof Mqtt3DisconnectException;
                yield !protocol && find(e, IOException.class) != null ? ConnectionEnd.NETWORK : ConnectionEnd.REPLICATOR;
            }
        };
    }

    /** Why a connection that was up ended, saying who ended it. */
    static String describeEnd(MqttDisconnectSource source, Throwable cause) {
        Throwable e = unwrap(cause);
        return switch (endedBy(source, cause)) {
            case BROKER -> e instanceof Mqtt5DisconnectException disconnect
                    ? "disconnected by the broker: " + disconnectReason(disconnect)
                    : "the broker closed the connection";
            case REPLICATOR -> "closed by the replicator: " + (e instanceof Mqtt5DisconnectException disconnect
                    ? disconnectReason(disconnect) : String.valueOf(e.getMessage()));
            case NETWORK -> "connection lost: " + rootMessage(e);
        };
    }

    private static String disconnectReason(Mqtt5DisconnectException disconnect) {
        return disconnect.getMqttMessage().getReasonCode()
                + disconnect.getMqttMessage().getReasonString().map(reason -> " (" + reason + ")").orElse("");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static <T extends Throwable> T find(Throwable error, Class<T> type) {
        for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (type.isInstance(e)) {
                return type.cast(e);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "BrokerChannel[" + name + ", " + status.state() + ", " + address() + "]";
    }
}

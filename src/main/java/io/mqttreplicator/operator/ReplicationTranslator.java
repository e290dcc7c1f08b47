package io.mqttreplicator.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.mqttreplicator.broker.BrokerAddress;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.BrokerSettings.Credentials;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import io.mqttreplicator.engine.BrokerSelection;
import io.mqttreplicator.engine.MergeAlgorithm;
import io.mqttreplicator.engine.ReplicationMode;
import io.mqttreplicator.engine.SharedSubscription;
import io.mqttreplicator.engine.TopicFilter;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.operator.api.v1alpha1.BrokerSelectionSpec;
import io.mqttreplicator.operator.api.v1alpha1.BrokerSpec;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplicationSpec;
import io.mqttreplicator.operator.api.v1alpha1.TlsSpec;
import io.mqttreplicator.operator.api.v1alpha1.TopicSpec;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.StableClientId;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns a MqttReplication and the Secrets it references into the {@link ReplicationDefinition} the
 * manager runs. Checks everything the CRD schema and its CEL rules say, because not every API server
 * (nor the test server) enforces them; each problem names the field, e.g. {@code spec.brokers[1].name}.
 * Problems never quote a Secret's content.
 */
final class ReplicationTranslator {

    static final Duration KEEP_ALIVE = Duration.ofSeconds(60);
    static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

    private static final String SECRET_NOT_FOUND = " not found";
    private static final Pattern NAME = Pattern.compile(BrokerSpec.NAME_PATTERN);
    private static final Pattern MERGE = Pattern.compile(TopicSpec.MERGE_PATTERN);

    /** What the resource translates to. */
    sealed interface Translation {
    }

    /** Ready to run. */
    record Valid(ReplicationDefinition definition) implements Translation {
    }

    /** The spec itself is wrong: one problem per field. */
    record InvalidSpec(List<String> problems) implements Translation {
    }

    /**
     * The spec is right, but referenced Secrets or keys are missing or unusable; {@code secretMissing}
     * when at least one Secret does not exist.
     */
    record UnresolvedRefs(List<String> problems, boolean secretMissing) implements Translation {
    }

    private ReplicationTranslator() {
    }

    /** Ends the name of the part of a replication that every replica runs. */
    static final String SHARED_SUFFIX = "/shared";

    /** The manager's name for a resource's replication. */
    static String replicationName(MqttReplication resource) {
        return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    }

    /**
     * @param secrets finds a Secret by name in the resource's namespace
     */
    static Translation translate(MqttReplication resource, Function<String, Optional<Secret>> secrets) {
        MqttReplicationSpec spec = resource.getSpec();
        if (spec == null) {
            return new InvalidSpec(List.of("spec: required"));
        }
        List<String> problems = new ArrayList<>();
        checkSpec(spec, problems);
        if (!problems.isEmpty()) {
            return new InvalidSpec(problems);
        }
        String identity = replicationName(resource) + "/" + resource.getMetadata().getUid();
        List<BrokerSettings> brokers = new ArrayList<>();
        for (int i = 0; i < spec.getBrokers().size(); i++) {
            brokerSettings(spec.getBrokers().get(i), "spec.brokers[" + i + "]", identity, secrets, problems)
                    .ifPresent(brokers::add);
        }
        if (!problems.isEmpty()) {
            // a missing Secret is reported once, not once per key
            List<String> distinct = List.copyOf(new LinkedHashSet<>(problems));
            return new UnresolvedRefs(distinct, distinct.stream().anyMatch(problem -> problem.endsWith(SECRET_NOT_FOUND)));
        }
        List<TopicRule> rules = new ArrayList<>();
        for (int i = 0; i < spec.getTopics().size(); i++) {
            rules.add(topicRule(spec.getTopics().get(i), i));
        }
        return new Valid(new ReplicationDefinition(replicationName(resource), spec.getMergeFrequencyHz(), brokers, rules));
    }

    /**
     * What the Lease holder runs of a replication: everything but its shared rules, which every
     * replica runs ({@link #sharedPart}).
     */
    static ReplicationDefinition withoutSharedRules(ReplicationDefinition definition) {
        List<TopicRule> rules = definition.rules().stream().filter(rule -> !SharedSubscription.isShared(rule.filter())).toList();
        return rules.size() == definition.rules().size() ? definition
                : new ReplicationDefinition(definition.name(), definition.mergeFrequencyHz(), definition.brokers(), rules,
                        definition.origin());
    }

    /**
     * The shared rules of a replication as one replica runs them, named {@code {name}}{@value #SHARED_SUFFIX}:
     * with client ids, and so broker sessions, of this replica's own (derived from the replication's
     * client id and the replica's name, stable across its restarts), and the replication's origin
     * mark, by which every replica and the Lease holder's part drop each other's forwards. Empty
     * when the replication has no shared rule.
     */
    static Optional<ReplicationDefinition> sharedPart(ReplicationDefinition definition, String replica) {
        List<TopicRule> rules = definition.rules().stream().filter(rule -> SharedSubscription.isShared(rule.filter())).toList();
        if (rules.isEmpty()) {
            return Optional.empty();
        }
        List<BrokerSettings> brokers = definition.brokers().stream().map(broker -> new BrokerSettings(broker.name(),
                broker.addresses(), broker.roundRobin(), broker.protocolVersion(), broker.maxQos(),
                StableClientId.generate(broker.name(), broker.clientId() + "/shared/" + replica), broker.cleanSession(),
                broker.keepAlive(), broker.reconnectDelay(), broker.connectTimeout(), broker.credentials(), broker.tls(),
                broker.sessionExpiry())).toList();
        return Optional.of(new ReplicationDefinition(definition.name() + SHARED_SUFFIX, definition.mergeFrequencyHz(), brokers,
                rules, definition.origin()));
    }

    private static void checkSpec(MqttReplicationSpec spec, List<String> problems) {
        if (!(spec.getMergeFrequencyHz() > 0) || Double.isInfinite(spec.getMergeFrequencyHz())) {
            problems.add("spec.mergeFrequencyHz: must be a positive number of ticks per second, was " + spec.getMergeFrequencyHz());
        }
        List<BrokerSpec> brokers = spec.getBrokers() == null ? List.of() : spec.getBrokers();
        if (brokers.size() < 2 || brokers.size() > MqttReplicationSpec.MAX_BROKERS) {
            problems.add("spec.brokers: needs 2 to " + MqttReplicationSpec.MAX_BROKERS + " brokers, has " + brokers.size());
        }
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < brokers.size(); i++) {
            String field = "spec.brokers[" + i + "]";
            BrokerSpec broker = brokers.get(i);
            if (broker == null) {
                problems.add(field + ": must not be null");
                continue;
            }
            checkName(field + ".name", broker.getName(), true, problems);
            if (broker.getName() != null && !names.add(broker.getName())) {
                problems.add(field + ".name: '" + broker.getName() + "' is used by another broker; names must be unique");
            }
            checkBroker(broker, field, problems);
        }
        List<TopicSpec> topics = spec.getTopics() == null ? List.of() : spec.getTopics();
        if (topics.isEmpty() || topics.size() > MqttReplicationSpec.MAX_TOPICS) {
            problems.add("spec.topics: needs 1 to " + MqttReplicationSpec.MAX_TOPICS + " topic rules, has " + topics.size());
        }
        Set<String> ruleIds = new HashSet<>();
        for (int i = 0; i < topics.size(); i++) {
            String field = "spec.topics[" + i + "]";
            TopicSpec topic = topics.get(i);
            if (topic == null) {
                problems.add(field + ": must not be null");
                continue;
            }
            checkName(field + ".name", topic.getName(), false, problems);
            if (!ruleIds.add(ruleId(topic, i))) {
                problems.add(field + ".name: '" + ruleId(topic, i) + "' names another topic rule too; names must be unique");
            }
            int before = problems.size();
            checkTopic(topic, field, names, problems);
            if (problems.size() == before && topic.getFilter() != null && SharedSubscription.isShared(topic.getFilter())) {
                Map<String, Integer> protocolVersions = new HashMap<>();
                brokers.stream().filter(Objects::nonNull).filter(broker -> broker.getName() != null)
                        .forEach(broker -> protocolVersions.put(broker.getName(), broker.getProtocolVersion()));
                SharedSubscription.problems(topicRule(topic, i), protocolVersions)
                        .forEach(problem -> problems.add(field + ".filter: " + problem));
            }
        }
    }

    private static void checkName(String field, String name, boolean required, List<String> problems) {
        if (name == null || name.isEmpty()) {
            if (required) {
                problems.add(field + ": required");
            }
        } else if (name.length() > 63 || !NAME.matcher(name).matches()) {
            problems.add(field + ": '" + name + "' is not a DNS label (lower case letters, digits and '-', at most 63)");
        }
    }

    private static void checkBroker(BrokerSpec broker, String field, List<String> problems) {
        List<String> addresses = broker.getAddresses() == null ? List.of() : broker.getAddresses();
        if (addresses.isEmpty() || addresses.size() > BrokerSpec.MAX_ADDRESSES) {
            problems.add(field + ".addresses: needs 1 to " + BrokerSpec.MAX_ADDRESSES + " addresses, has " + addresses.size());
        }
        for (int j = 0; j < addresses.size(); j++) {
            address(addresses.get(j), field + ".addresses[" + j + "]", problems);
        }
        if (broker.getProtocolVersion() != 4 && broker.getProtocolVersion() != 5) {
            problems.add(field + ".protocolVersion: must be 4 (MQTT 3.1.1) or 5, was " + broker.getProtocolVersion());
        }
        if (broker.getMaxQos() < 0 || broker.getMaxQos() > 2) {
            problems.add(field + ".maxQos: must be 0, 1 or 2, was " + broker.getMaxQos());
        }
        if (broker.getCredentialsSecretRef() != null) {
            var ref = broker.getCredentialsSecretRef();
            requireText(field + ".credentialsSecretRef.name", ref.getName(), problems);
            requireText(field + ".credentialsSecretRef.usernameKey", ref.getUsernameKey(), problems);
            requireText(field + ".credentialsSecretRef.passwordKey", ref.getPasswordKey(), problems);
        }
        TlsSpec tls = broker.getTls();
        if (tls != null && tls.getCaSecretRef() != null) {
            requireText(field + ".tls.caSecretRef.name", tls.getCaSecretRef().getName(), problems);
            requireText(field + ".tls.caSecretRef.key", tls.getCaSecretRef().getKey(), problems);
        }
        if (tls != null && tls.getClientCertificateSecretRef() != null) {
            var ref = tls.getClientCertificateSecretRef();
            requireText(field + ".tls.clientCertificateSecretRef.name", ref.getName(), problems);
            requireText(field + ".tls.clientCertificateSecretRef.certificateKey", ref.getCertificateKey(), problems);
            requireText(field + ".tls.clientCertificateSecretRef.keyKey", ref.getKeyKey(), problems);
        }
    }

    private static Optional<URI> address(String text, String field, List<String> problems) {
        if (text == null || text.isBlank()) {
            problems.add(field + ": must not be empty");
            return Optional.empty();
        }
        try {
            URI uri = new URI(text.trim());
            if (uri.getRawUserInfo() != null) {
                // the address is shown in status and logs; a password must come from a Secret
                problems.add(field + ": must not contain credentials; use credentialsSecretRef");
                return Optional.empty();
            }
            BrokerAddress.parse(uri);
            return Optional.of(uri);
        } catch (URISyntaxException e) {
            problems.add(field + ": '" + text + "' is not a URL: " + e.getReason());
        } catch (IllegalArgumentException e) {
            problems.add(field + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    private static void checkTopic(TopicSpec topic, String field, Set<String> brokers, List<String> problems) {
        Optional<String> sharedForm = topic.getFilter() == null ? Optional.empty()
                : SharedSubscription.formProblem(topic.getFilter());
        if (sharedForm.isPresent()) {
            problems.add(field + ".filter: " + sharedForm.get());
        } else {
            try {
                TopicFilter.parse(topic.getFilter() == null ? null : SharedSubscription.topicFilter(topic.getFilter()));
            } catch (IllegalArgumentException e) {
                problems.add(field + ".filter: " + e.getMessage());
            }
        }
        if (topic.getMode() == null) {
            problems.add(field + ".mode: must be state or stream");
        }
        if (topic.getQos() < 0 || topic.getQos() > 2) {
            problems.add(field + ".qos: must be 0, 1 or 2, was " + topic.getQos());
        }
        if (topic.getTtlSeconds() < 0) {
            problems.add(field + ".ttlSeconds: must be 0 (never) or more, was " + topic.getTtlSeconds());
        }
        String merge = topic.getMerge() == null ? "lastwin" : topic.getMerge();
        if (!MERGE.matcher(merge).matches()) {
            problems.add(field + ".merge: unknown merge algorithm '" + merge
                    + "' (expected lastwin, biggest, random, jsonbiggest:<path> or msgpackbiggest:<path>)");
        } else {
            try {
                MergeAlgorithm.parse(merge);
            } catch (IllegalArgumentException e) {
                problems.add(field + ".merge: " + e.getMessage());
            }
        }
        int before = problems.size();
        BrokerSelection subscribeOn = selection(topic.getSubscribeOn(), field + ".subscribeOn", brokers, problems);
        BrokerSelection publishTo = selection(topic.getPublishTo(), field + ".publishTo", brokers, problems);
        if (problems.size() > before) {
            return;
        }
        List<String> subscribers = brokers.stream().filter(subscribeOn::allows).toList();
        List<String> targets = brokers.stream().filter(publishTo::allows).toList();
        if (!topic.isNoSubscribe() && subscribers.isEmpty()) {
            problems.add(field + ".subscribeOn: excludes every broker, so nothing is received for this rule");
        } else if (targets.isEmpty()) {
            problems.add(field + ".publishTo: excludes every broker, so nothing is published for this rule");
        } else if (!topic.isNoSubscribe() && subscribers.equals(targets) && targets.size() == 1) {
            problems.add(field + ".publishTo: the only broker it may publish to, " + targets.get(0)
                    + ", is the only one it is subscribed on");
        }
    }

    private static BrokerSelection selection(BrokerSelectionSpec spec, String field, Set<String> brokers,
            List<String> problems) {
        if (spec == null) {
            return BrokerSelection.ALL;
        }
        names(spec.getInclude(), field + ".include", brokers, problems);
        names(spec.getExclude(), field + ".exclude", brokers, problems);
        return selectionOf(spec);
    }

    private static void names(List<String> names, String field, Set<String> brokers, List<String> problems) {
        List<String> unknown = (names == null ? List.<String>of() : names).stream()
                .filter(name -> !brokers.contains(name)).distinct().toList();
        if (!unknown.isEmpty()) {
            problems.add(field + ": " + String.join(", ", unknown) + (unknown.size() == 1 ? " is not a broker" : " are not brokers")
                    + " of spec.brokers (" + String.join(", ", brokers) + ")");
        }
    }

    private static void requireText(String field, String value, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(field + ": required");
        }
    }

    private static Optional<BrokerSettings> brokerSettings(BrokerSpec broker, String field, String identity,
            Function<String, Optional<Secret>> secrets, List<String> problems) {
        int before = problems.size();
        Optional<Credentials> credentials = Optional.empty();
        var credentialsRef = broker.getCredentialsSecretRef();
        if (credentialsRef != null) {
            String ref = field + ".credentialsSecretRef";
            Optional<String> username = secretValue(secrets, credentialsRef.getName(), credentialsRef.getUsernameKey(), ref, problems);
            Optional<String> password = secretValue(secrets, credentialsRef.getName(), credentialsRef.getPasswordKey(), ref, problems);
            if (username.isPresent() && password.isPresent()) {
                credentials = Optional.of(new Credentials(username.get(), password.get()));
            }
        }
        TlsSpec tls = broker.getTls();
        Optional<String> ca = Optional.empty();
        Optional<String> certificate = Optional.empty();
        Optional<String> key = Optional.empty();
        if (tls != null && tls.getCaSecretRef() != null) {
            ca = secretValue(secrets, tls.getCaSecretRef().getName(), tls.getCaSecretRef().getKey(), field + ".tls.caSecretRef", problems);
        }
        if (tls != null && tls.getClientCertificateSecretRef() != null) {
            var ref = tls.getClientCertificateSecretRef();
            String refField = field + ".tls.clientCertificateSecretRef";
            certificate = secretValue(secrets, ref.getName(), ref.getCertificateKey(), refField, problems);
            key = secretValue(secrets, ref.getName(), ref.getKeyKey(), refField, problems);
        }
        if (problems.size() > before) {
            return Optional.empty();
        }
        List<URI> addresses = broker.getAddresses().stream().map(text -> URI.create(text.trim())).toList();
        String clientId = broker.getClientId() == null || broker.getClientId().isEmpty()
                ? StableClientId.generate(broker.getName(), identity)
                : broker.getClientId();
        boolean verifyServer = tls == null || !tls.isInsecureSkipVerify();
        return Optional.of(new BrokerSettings(broker.getName(), addresses, broker.isRoundRobin(), broker.getProtocolVersion(),
                broker.getMaxQos(), clientId, false, KEEP_ALIVE, RECONNECT_DELAY, CONNECT_TIMEOUT, credentials,
                new TlsSettings(ca, certificate, key, verifyServer)));
    }

    private static Optional<String> secretValue(Function<String, Optional<Secret>> secrets, String name, String key,
            String field, List<String> problems) {
        Optional<Secret> secret = secrets.apply(name);
        if (secret.isEmpty()) {
            problems.add(field + ": Secret " + name + SECRET_NOT_FOUND);
            return Optional.empty();
        }
        Map<String, String> data = secret.get().getData() == null ? Map.of() : secret.get().getData();
        Map<String, String> stringData = secret.get().getStringData() == null ? Map.of() : secret.get().getStringData();
        if (data.containsKey(key)) {
            try {
                return Optional.of(new String(Base64.getDecoder().decode(data.get(key).trim()), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException notBase64) {
                problems.add(field + ": key " + key + " of Secret " + name + " is not base64");
                return Optional.empty();
            }
        }
        if (stringData.containsKey(key)) {
            return Optional.of(stringData.get(key));
        }
        problems.add(field + ": Secret " + name + " has no key " + key);
        return Optional.empty();
    }

    private static TopicRule topicRule(TopicSpec topic, int index) {
        ReplicationMode mode = topic.getMode() == TopicSpec.Mode.STREAM ? ReplicationMode.STREAM : ReplicationMode.STATE;
        return new TopicRule(ruleId(topic, index), topic.getFilter(), mode, topic.getQos(), topic.isRetain(),
                Duration.ofSeconds(topic.getTtlSeconds()), topic.isNoSubscribe(),
                MergeAlgorithm.parse(topic.getMerge() == null ? "lastwin" : topic.getMerge()),
                selectionOf(topic.getSubscribeOn()), selectionOf(topic.getPublishTo()));
    }

    private static BrokerSelection selectionOf(BrokerSelectionSpec spec) {
        if (spec == null) {
            return BrokerSelection.ALL;
        }
        return new BrokerSelection(Set.copyOf(spec.getInclude() == null ? List.of() : spec.getInclude()),
                Set.copyOf(spec.getExclude() == null ? List.of() : spec.getExclude()));
    }

    /** The rule's name, or its position: topics-0, topics-1, … */
    static String ruleId(TopicSpec topic, int index) {
        return topic.getName() == null || topic.getName().isEmpty() ? "topics-" + index : topic.getName();
    }
}

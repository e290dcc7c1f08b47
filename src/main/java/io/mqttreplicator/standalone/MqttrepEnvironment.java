package io.mqttreplicator.standalone;

import io.mqttreplicator.engine.SharedSubscription;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.StableClientId;
import io.mqttreplicator.standalone.BrokerVariables.BrokerDraft;
import io.mqttreplicator.standalone.TopicVariables.Setting;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The MQTTREP_* environment variables of MQTT_Replicator, read into a {@link ReplicationDefinition}
 * named {@value #REPLICATION_NAME}. Every variable the MQTT_Replicator README documents keeps its
 * meaning; additions: {@code MQTTREP_MODE_{id}} (state | stream), several comma-separated URLs in
 * {@code MQTTREP_CLIENT_{name}} (failover), and the MQTT.js {@code servers} list.
 *
 * <p>One deliberate change: {@code clean} defaults to false (MQTT.js: true). With the stable client
 * ids, the brokers keep the replicator's sessions, and the messages queued in them, across
 * reconnects and restarts.
 *
 * <p>Nothing is refused on the first error: all problems are collected, one line each, naming the
 * variable and the offending value (never a password or a private key).
 */
public final class MqttrepEnvironment {

    public static final String REPLICATION_NAME = "standalone";
    static final String PREFIX = "MQTTREP_";
    static final String MERGE_FREQUENCY = "MQTTREP_MERGE_FREQUENCY";
    /** New: names this instance, for running several with shared subscriptions ({@code $share/...} rules). */
    static final String INSTANCE = "MQTTREP_INSTANCE";
    /** The name the MQTT_Replicator code actually read (its README says MQTTREP_MERGE_FREQUENCY). */
    static final String LEGACY_MERGE_FREQUENCY = "MQTT_REPLICATOR_MERGE_FREQUENCY";

    private static final List<String> KNOWN_PREFIXES = Stream.concat(
            Stream.of(BrokerVariables.CLIENT, BrokerVariables.CONFIG, TopicVariables.TOPIC),
            Arrays.stream(Setting.values()).map(setting -> setting.prefix)).toList();

    /** The outcome of reading the variables: a definition to run, or the reasons not to. */
    public sealed interface Result permits Valid, Invalid {
        /** Things that run, but probably not as meant; sorted by variable. */
        List<String> warnings();
    }

    public record Valid(ReplicationDefinition definition, List<String> warnings) implements Result {
        public Valid {
            warnings = List.copyOf(warnings);
        }
    }

    /** @param problems one line each, {@code VARIABLE=value: what is wrong}, sorted by variable */
    public record Invalid(List<String> problems, List<String> warnings) implements Result {
        public Invalid {
            problems = List.copyOf(problems);
            warnings = List.copyOf(warnings);
        }
    }

    private MqttrepEnvironment() {
    }

    public static Result parse(Map<String, String> environment) {
        Findings findings = new Findings();
        Map<String, String> clients = new TreeMap<>();
        Map<String, String> configs = new TreeMap<>();
        Map<String, String> topics = new TreeMap<>();
        Map<String, Map<Setting, String>> settings = new TreeMap<>();
        for (Map.Entry<String, String> variable : new TreeMap<>(environment).entrySet()) {
            String name = variable.getKey();
            String value = variable.getValue() == null ? "" : variable.getValue();
            if (name.equals(MERGE_FREQUENCY) || name.equals(LEGACY_MERGE_FREQUENCY) || name.equals(INSTANCE)) {
                continue;
            }
            if (!name.startsWith(PREFIX)) {
                if (name.toUpperCase(Locale.ROOT).startsWith(PREFIX)) {
                    findings.warning(name, "ignored: variable names are case-sensitive, MQTTREP_ is upper case");
                }
                continue;
            }
            if (name.startsWith(BrokerVariables.CLIENT)) {
                collect(name, BrokerVariables.CLIENT, value, clients, "broker name", findings);
            } else if (name.startsWith(BrokerVariables.CONFIG)) {
                collect(name, BrokerVariables.CONFIG, value, configs, "broker name", findings);
            } else if (name.startsWith(TopicVariables.TOPIC)) {
                collect(name, TopicVariables.TOPIC, value, topics, "topic id", findings);
            } else {
                Optional<Setting> setting = settingOf(name);
                if (setting.isPresent()) {
                    String id = name.substring(setting.get().prefix.length());
                    if (id.isEmpty()) {
                        findings.problem(name, value, "no topic id after " + setting.get().prefix);
                    } else {
                        settings.computeIfAbsent(id, any -> new EnumMap<>(Setting.class)).put(setting.get(), value);
                    }
                } else {
                    // never the value: a mistyped MQTTREP_CONFIG_ holds a password
                    findings.warning(name, "ignored: not a MQTTREP_ variable" + suggestion(name));
                }
            }
        }

        SortedSet<String> brokerNames = new TreeSet<>(clients.keySet());
        configs.keySet().stream().filter(name -> !clients.containsKey(name)).forEach(name -> findings.problem(
                BrokerVariables.CONFIG + name, "no " + BrokerVariables.CLIENT + name + " for this configuration"
                        + caseHint(name, brokerNames)));
        if (clients.isEmpty()) {
            findings.problem(BrokerVariables.CLIENT + "{name}",
                    "no broker configured: set MQTTREP_CLIENT_{name}=mqtt://host:1883 for each broker to replicate between");
        } else if (clients.size() == 1) {
            String name = brokerNames.first();
            findings.problem(BrokerVariables.CLIENT + name, MqttjsUrl.redacted(clients.get(name)),
                    "only one broker configured: replication needs at least two (another MQTTREP_CLIENT_{name})");
        }
        List<BrokerDraft> brokers = new ArrayList<>();
        clients.forEach((name, urls) -> BrokerVariables.parse(name, urls, configs.get(name), findings).ifPresent(brokers::add));

        if (topics.isEmpty()) {
            findings.problem(TopicVariables.TOPIC + "{id}",
                    "no topic configured: set MQTTREP_TOPIC_{id}=<topic filter> for each topic to replicate, e.g. MQTTREP_TOPIC_all=#");
        }
        settings.forEach((id, values) -> {
            if (!topics.containsKey(id)) {
                values.forEach((setting, value) -> findings.problem(setting.variable(id), value,
                        "no " + TopicVariables.TOPIC + id + " for this setting" + caseHint(id, topics.keySet())));
            }
        });
        List<TopicRule> rules = new ArrayList<>();
        topics.forEach((id, filter) -> TopicVariables.parse(id, filter, settings.getOrDefault(id, Map.of()), brokerNames,
                brokerNames.size() >= 2, findings).ifPresent(rules::add));

        double mergeFrequency = mergeFrequency(environment, findings);
        Map<String, Integer> protocolVersions = new TreeMap<>();
        brokers.forEach(broker -> protocolVersions.put(broker.name(), broker.protocolVersion()));
        boolean shared = false;
        for (TopicRule rule : rules) {
            if (SharedSubscription.isShared(rule.filter())) {
                shared = true;
                SharedSubscription.problems(rule, protocolVersions).forEach(problem ->
                        findings.problem(TopicVariables.TOPIC + rule.id(), rule.filter(), problem));
            }
        }
        String instance = shared ? instance(environment, findings) : "";

        if (findings.hasProblems()) {
            return new Invalid(findings.problems(), findings.warnings());
        }
        String identity = identity(brokers, rules);
        // instances sharing the subscriptions each keep sessions of their own
        String sessions = shared ? identity + "\u0000instance=" + instance : identity;
        ReplicationDefinition definition = new ReplicationDefinition(REPLICATION_NAME, mergeFrequency,
                brokers.stream().map(broker -> broker.settings(StableClientId.generate(broker.name(), sessions))).toList(),
                rules, REPLICATION_NAME + "@" + identity.substring(0, 12));
        return new Valid(definition, findings.warnings());
    }

    private static void collect(String variable, String prefix, String value, Map<String, String> into, String what,
            Findings findings) {
        String key = variable.substring(prefix.length());
        if (key.isEmpty()) {
            findings.problem(variable, "no " + what + " after " + prefix);
        } else {
            into.put(key, value);
        }
    }

    private static Optional<Setting> settingOf(String variable) {
        // MQTTREP_MERGE_FREQUENCY was taken out before: it is never the merge algorithm of a rule "FREQUENCY"
        for (Setting setting : Setting.values()) {
            if (variable.startsWith(setting.prefix)) {
                return Optional.of(setting);
            }
        }
        return Optional.empty();
    }

    /**
     * This instance's name, with shared rules: MQTTREP_INSTANCE, else the host name the container
     * runtime sets (HOSTNAME: the pod name in Kubernetes). It keeps the instance's client ids, and so
     * its persistent sessions, apart from the other instances' and the same across its restarts.
     */
    private static String instance(Map<String, String> environment, Findings findings) {
        String instance = blankToNull(environment.get(INSTANCE));
        if (instance == null) {
            instance = blankToNull(environment.get("HOSTNAME"));
        }
        if (instance == null) {
            findings.problem(INSTANCE, "shared subscriptions ($share/...) need a name for each instance of the"
                    + " replicator, stable across its restarts, e.g. MQTTREP_INSTANCE=replicator-1");
            return "";
        }
        return instance;
    }

    /**
     * MQTTREP_MERGE_FREQUENCY, or the legacy MQTT_REPLICATOR_MERGE_FREQUENCY; Hz, default 1.
     */
    private static double mergeFrequency(Map<String, String> environment, Findings findings) {
        String current = blankToNull(environment.get(MERGE_FREQUENCY));
        String legacy = blankToNull(environment.get(LEGACY_MERGE_FREQUENCY));
        if (current == null && legacy == null) {
            return 1;
        }
        String variable = current != null ? MERGE_FREQUENCY : LEGACY_MERGE_FREQUENCY;
        String text = current != null ? current : legacy;
        Optional<Double> hertz = TextValues.decimal(text).filter(value -> value > 0 && Double.isFinite(value));
        if (hertz.isEmpty()) {
            findings.problem(variable, text, "the merge frequency must be a number of Hz greater than 0, e.g. 1 or 16.666");
            return 1;
        }
        if (current != null && legacy != null && !TextValues.decimal(legacy).equals(hertz)) {
            findings.warning(LEGACY_MERGE_FREQUENCY, legacy, "ignored: " + MERGE_FREQUENCY + "=" + current + " is used");
        }
        return hertz.get();
    }

    /**
     * What makes two configurations "the same replication" for the generated client ids: the
     * broker names with their addresses, and the topic filters subscribed. The brokers keep a
     * session per client id, so:
     * <ul>
     * <li>settings that do not change what is replicated where (credentials, TLS, timeouts, QoS,
     * TTL, merge algorithm and frequency, broker lists, settings-only rules) are left out, so that
     * changing them, e.g. rotating a password, keeps the sessions and the messages queued in them;
     * <li>every broker's addresses are in, not only its own: two replicators with the same broker
     * names and topics, each linking its own site broker to one shared central broker, must not
     * take each other's session over on the central one.
     * </ul>
     * Two deployments with byte-identical configurations cannot be told apart this way; they
     * need an explicit {@code clientId}.
     */
    static String identity(List<BrokerDraft> brokers, List<TopicRule> rules) {
        StringBuilder text = new StringBuilder("brokers\n");
        brokers.stream().sorted(Comparator.comparing(BrokerDraft::name)).forEach(broker -> text
                .append(broker.name()).append('=').append(broker.addresses()).append('\n'));
        text.append("topics\n");
        rules.stream().filter(rule -> !rule.noSubscribe()).map(TopicRule::filter).distinct().sorted()
                .forEach(filter -> text.append(filter).append('\n'));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every Java platform has SHA-256", impossible);
        }
    }

    private static String caseHint(String name, Collection<String> known) {
        return known.stream().filter(candidate -> candidate.equalsIgnoreCase(name)).findFirst()
                .map(candidate -> " (names are case-sensitive: " + candidate + "?)").orElse("");
    }

    /** "did you mean" for a mistyped variable such as MQTTREP_TOPCI_a. */
    private static String suggestion(String variable) {
        String best = "";
        int bestDistance = 3;
        for (String prefix : KNOWN_PREFIXES) {
            int words = prefix.split("_").length;
            String[] parts = variable.split("_", words + 1);
            if (parts.length <= words) {
                continue;
            }
            String candidate = String.join("_", Arrays.copyOf(parts, words)) + "_";
            int distance = distance(candidate.toUpperCase(Locale.ROOT), prefix);
            if (distance > 0 && distance < bestDistance) {
                bestDistance = distance;
                best = " (did you mean " + prefix + parts[words] + "?)";
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}

package io.mqttreplicator.standalone;

import io.mqttreplicator.engine.BrokerSelection;
import io.mqttreplicator.engine.MergeAlgorithm;
import io.mqttreplicator.engine.ReplicationMode;
import io.mqttreplicator.engine.SharedSubscription;
import io.mqttreplicator.engine.TopicRule;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code MQTTREP_TOPIC_{id}} and the settings that share its {@code {id}}: one topic rule. */
final class TopicVariables {

    static final String TOPIC = "MQTTREP_TOPIC_";

    /** The per-rule settings, each {@code MQTTREP_{SETTING}_{id}}. */
    enum Setting {
        TTL, RETAIN, QOS, NOSUB, MERGE, MODE,
        SUBSCRIBE_WHITELIST, SUBSCRIBE_BLACKLIST, PUBLISH_WHITELIST, PUBLISH_BLACKLIST,
        /** The README documents this spelling; both are read and merged. */
        PULISH_BLACKLIST;

        final String prefix = "MQTTREP_" + name() + "_";

        String variable(String id) {
            return prefix + id;
        }
    }

    private TopicVariables() {
    }

    /**
     * The rule, or empty when a problem was found (then added to {@code findings}).
     *
     * @param brokers the configured broker names; the broker lists may only name these
     * @param checkReach whether to check that the rule replicates between two brokers (pointless
     *                   when the broker list itself is wrong)
     */
    static Optional<TopicRule> parse(String id, String filter, Map<Setting, String> values, Set<String> brokers,
            boolean checkReach, Findings findings) {
        int problemsBefore = findings.problemCount();
        String topicVariable = TOPIC + id;
        checkFilter(topicVariable, filter, findings);
        Map<Setting, String> settings = new EnumMap<>(Setting.class);
        // an empty value is an absent value, as in MQTT_Replicator (`process.env[...] || default`)
        values.forEach((setting, value) -> {
            if (!value.isBlank()) {
                settings.put(setting, value);
            }
        });

        ReplicationMode mode = ReplicationMode.STATE;
        String modeText = settings.get(Setting.MODE);
        if (modeText != null) {
            switch (modeText.trim().toLowerCase(Locale.ROOT)) {
                case "state" -> mode = ReplicationMode.STATE;
                case "stream" -> mode = ReplicationMode.STREAM;
                default -> findings.problem(Setting.MODE.variable(id), modeText, "mode must be state or stream");
            }
        }
        int qos = 1;
        String qosText = settings.get(Setting.QOS);
        if (qosText != null) {
            Optional<Long> value = TextValues.wholeNumber(qosText).filter(q -> q >= 0 && q <= 2);
            if (value.isPresent()) {
                qos = value.get().intValue();
            } else {
                findings.problem(Setting.QOS.variable(id), qosText, "QoS must be 0, 1 or 2");
            }
        }
        Duration ttl = Duration.ZERO;
        String ttlText = settings.get(Setting.TTL);
        if (ttlText != null) {
            Optional<Long> seconds = TextValues.wholeNumber(ttlText).filter(s -> s >= 0 && s <= Integer.MAX_VALUE);
            if (seconds.isPresent()) {
                ttl = Duration.ofSeconds(seconds.get());
            } else {
                findings.problem(Setting.TTL.variable(id), ttlText, "TTL must be a whole number of seconds, 0 or more (0 = never expires)");
            }
        }
        boolean retain = bool(id, Setting.RETAIN, settings, findings);
        boolean noSubscribe = bool(id, Setting.NOSUB, settings, findings);
        MergeAlgorithm merge = MergeAlgorithm.LAST_WIN;
        String mergeText = settings.get(Setting.MERGE);
        if (mergeText != null) {
            try {
                merge = MergeAlgorithm.parse(mergeText);
            } catch (IllegalArgumentException unknown) {
                findings.problem(Setting.MERGE.variable(id), mergeText, unknown.getMessage());
            }
        }
        if (mode == ReplicationMode.STREAM) {
            for (Setting stateOnly : List.of(Setting.TTL, Setting.MERGE)) {
                if (settings.containsKey(stateOnly)) {
                    findings.warning(stateOnly.variable(id), settings.get(stateOnly), "ignored: the rule is in stream mode");
                }
            }
        }

        int problemsBeforeLists = findings.problemCount();
        Set<String> subscribeInclude = names(id, Setting.SUBSCRIBE_WHITELIST, settings, brokers, findings);
        Set<String> subscribeExclude = names(id, Setting.SUBSCRIBE_BLACKLIST, settings, brokers, findings);
        Set<String> publishInclude = names(id, Setting.PUBLISH_WHITELIST, settings, brokers, findings);
        Set<String> publishExclude = names(id, Setting.PUBLISH_BLACKLIST, settings, brokers, findings);
        publishExclude.addAll(names(id, Setting.PULISH_BLACKLIST, settings, brokers, findings));
        BrokerSelection subscribeOn = new BrokerSelection(subscribeInclude, subscribeExclude);
        BrokerSelection publishTo = new BrokerSelection(publishInclude, publishExclude);
        if (checkReach && findings.problemCount() == problemsBeforeLists) {
            checkReach(topicVariable, filter, noSubscribe, subscribeOn, publishTo, brokers, findings);
        }

        if (findings.problemCount() > problemsBefore) {
            return Optional.empty();
        }
        return Optional.of(new TopicRule(id, filter, mode, qos, retain, ttl, noSubscribe, merge, subscribeOn, publishTo));
    }

    /** MQTT 3.1.1 §4.7: {@code #} alone in the last level, {@code +} alone in its level. */
    static void checkFilter(String variable, String filter, Findings findings) {
        if (filter.isEmpty()) {
            findings.problem(variable, "the topic filter is empty");
            return;
        }
        String[] levels = filter.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            String level = levels[i];
            if (level.contains("#") && (!level.equals("#") || i < levels.length - 1)) {
                findings.problem(variable, filter, "'#' must be alone in the last level of the filter, e.g. sensors/#");
                return;
            }
            if (level.contains("+") && !level.equals("+")) {
                findings.problem(variable, filter, "'+' must be alone in its level of the filter, e.g. sensors/+/temperature");
                return;
            }
        }
        if (filter.indexOf('\u0000') >= 0) {
            findings.problem(variable, filter, "a topic filter must not contain the character U+0000");
        } else if (filter.getBytes(StandardCharsets.UTF_8).length > 65535) {
            findings.problem(variable, filter, "a topic filter is at most 65535 bytes long");
        } else if (!filter.equals(filter.strip())) {
            findings.warning(variable, filter, "the filter begins or ends with white space, which is part of the topic");
        } else if (SharedSubscription.isShared(filter)) {
            SharedSubscription.formProblem(filter).ifPresent(problem -> findings.problem(variable, filter, problem));
        } else if (filter.startsWith("$")) {
            findings.warning(variable, filter, "topics beginning with $ are never replicated");
        }
    }

    private static boolean bool(String id, Setting setting, Map<Setting, String> settings, Findings findings) {
        String text = settings.get(setting);
        if (text == null) {
            return false;
        }
        Optional<Boolean> value = TextValues.bool(text);
        if (value.isEmpty()) {
            findings.problem(setting.variable(id), text, TextValues.BOOLEAN_EXPECTED);
        }
        return value.orElse(false);
    }

    private static Set<String> names(String id, Setting setting, Map<Setting, String> settings, Set<String> brokers,
            Findings findings) {
        String text = settings.get(setting);
        Set<String> names = new LinkedHashSet<>(text == null ? List.of() : TextValues.names(text));
        List<String> unknown = names.stream().filter(name -> !brokers.contains(name)).toList();
        if (!unknown.isEmpty()) {
            findings.problem(setting.variable(id), text, (unknown.size() == 1 ? "unknown broker " : "unknown brokers ")
                    + String.join(", ", unknown) + " (configured brokers: " + String.join(", ", brokers)
                    + "; names are case-sensitive)");
        }
        return names;
    }

    /**
     * A rule must be able to carry a message somewhere: at least one broker subscribes (unless it
     * only holds settings) and at least one broker other than a subscribing one may be published to.
     */
    private static void checkReach(String variable, String filter, boolean noSubscribe, BrokerSelection subscribeOn,
            BrokerSelection publishTo, Set<String> brokers, Findings findings) {
        List<String> subscribers = brokers.stream().filter(subscribeOn::allows).toList();
        List<String> targets = brokers.stream().filter(publishTo::allows).toList();
        if (!noSubscribe && subscribers.isEmpty()) {
            findings.problem(variable, filter, "no broker subscribes to this topic: the subscribe whitelist/blacklist exclude every broker");
        } else if (targets.isEmpty()) {
            findings.problem(variable, filter, "no broker to publish to: the publish whitelist/blacklist exclude every broker");
        } else if (!noSubscribe && subscribers.equals(targets) && targets.size() == 1) {
            findings.problem(variable, filter, "no broker to publish to: the only broker it may publish to, " + targets.get(0)
                    + ", is the only one it is subscribed on");
        }
    }
}

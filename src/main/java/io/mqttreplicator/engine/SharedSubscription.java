package io.mqttreplicator.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A topic rule whose filter is {@code $share/{group}/{filter}}: subscribed as an MQTT shared
 * subscription on its source brokers, so several replicator instances with the same configuration
 * each get a share of its messages (seed 000), which are published on their real topics.
 * <p>
 * What it takes: stream mode (a state rule needs one owner of the merge), and MQTT 5 on every broker
 * it subscribes on. An echo of a forwarded message may reach any instance through the shared
 * subscription, and MQTT 5 forbids No Local there; so forwarded messages carry their origin in an
 * MQTT 5 user property ({@link #ORIGIN_PROPERTY}), and every instance drops the messages that carry
 * its replication's mark.
 */
public final class SharedSubscription {

    static final String PREFIX = "$share/";
    /** The MQTT 5 user property naming the replication and the source broker of a forwarded message. */
    public static final String ORIGIN_PROPERTY = "mqtt-replicator-origin";

    private SharedSubscription() {
    }

    /** Whether the filter is a shared subscription ({@code $share/...}). */
    public static boolean isShared(String filter) {
        return filter.startsWith(PREFIX);
    }

    /** The filter topics are matched against: without {@code $share/{group}/}. */
    public static String topicFilter(String filter) {
        if (!isShared(filter)) {
            return filter;
        }
        int end = filter.indexOf('/', PREFIX.length());
        return end < 0 ? "" : filter.substring(end + 1);
    }

    /** What is wrong with the form of a shared filter: the group and the filter after it. */
    public static Optional<String> formProblem(String filter) {
        if (!isShared(filter)) {
            return Optional.empty();
        }
        int end = filter.indexOf('/', PREFIX.length());
        String group = end < 0 ? filter.substring(PREFIX.length()) : filter.substring(PREFIX.length(), end);
        if (group.isEmpty() || end < 0 || end == filter.length() - 1) {
            return Optional.of("a shared subscription is $share/{group}/{filter}, e.g. $share/replicators/sensors/#");
        }
        if (group.contains("+") || group.contains("#")) {
            return Optional.of("the group of a shared subscription must not contain '+' or '#'");
        }
        return Optional.empty();
    }

    /**
     * Why a rule with a shared filter cannot run as configured, one line per problem; empty when it
     * can (or is not shared).
     *
     * @param protocolVersions each broker's MQTT protocol version (4 or 5), by name
     */
    public static List<String> problems(TopicRule rule, Map<String, Integer> protocolVersions) {
        List<String> problems = new ArrayList<>();
        if (!isShared(rule.filter())) {
            return problems;
        }
        formProblem(rule.filter()).ifPresent(problems::add);
        if (rule.mode() != ReplicationMode.STREAM) {
            problems.add("a shared subscription needs stream mode: a state rule needs one replicator that merges"
                    + " every value, not a share of them");
        }
        if (rule.noSubscribe()) {
            problems.add("a shared subscription on a rule that subscribes nothing (noSubscribe) has no effect");
        }
        List<String> mqtt311 = protocolVersions.entrySet().stream()
                .filter(broker -> rule.subscribeOn().allows(broker.getKey()) && broker.getValue() != 5)
                .map(Map.Entry::getKey).sorted().toList();
        if (!mqtt311.isEmpty()) {
            problems.add("a shared subscription needs MQTT 5 (protocolVersion 5) on every broker it subscribes on,"
                    + " to mark forwarded messages with their origin: " + String.join(", ", mqtt311)
                    + (mqtt311.size() == 1 ? " uses" : " use") + " MQTT 3.1.1");
        }
        return problems;
    }
}

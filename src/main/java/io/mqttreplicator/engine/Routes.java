package io.mqttreplicator.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The topic rules of one replication resolved against its brokers (identified by position): which
 * rule handles a topic, where its messages come from and go to, and what each broker subscribes.
 * Immutable, so every thread reads it without locking.
 */
final class Routes {

    /** One topic rule with its broker lists turned into positions. */
    static final class Route {
        final TopicRule rule;
        final TopicFilter filter;
        final boolean stateMode;
        final long ttlNanos;
        /** By broker position: the rule takes messages from that broker. */
        final boolean[] subscribesOn;
        /** Positions of the brokers the rule takes values from (state mode candidates). */
        final int[] sources;
        /** Positions of the brokers the rule may publish to. */
        final int[] targets;
        /** By source position: the targets other than the source itself. */
        final int[][] targetsFrom;
        /** Sources and targets: the brokers that must hold the same value for a topic to be converged. */
        final int[] involved;

        Route(TopicRule rule, List<String> brokers) {
            this.rule = rule;
            this.filter = TopicFilter.parse(SharedSubscription.topicFilter(rule.filter()));
            this.stateMode = rule.mode() == ReplicationMode.STATE;
            this.ttlNanos = rule.ttl().toNanos();
            int count = brokers.size();
            subscribesOn = new boolean[count];
            boolean[] publishesTo = new boolean[count];
            for (int i = 0; i < count; i++) {
                subscribesOn[i] = rule.subscribeOn().allows(brokers.get(i));
                publishesTo[i] = rule.publishTo().allows(brokers.get(i));
            }
            sources = positions(subscribesOn, -1);
            targets = positions(publishesTo, -1);
            targetsFrom = new int[count][];
            for (int source = 0; source < count; source++) {
                targetsFrom[source] = positions(publishesTo, source);
            }
            boolean[] either = new boolean[count];
            for (int i = 0; i < count; i++) {
                either[i] = subscribesOn[i] || publishesTo[i];
            }
            involved = positions(either, -1);
        }

        String id() {
            return rule.id();
        }

        private static int[] positions(boolean[] selected, int except) {
            int[] result = new int[selected.length];
            int size = 0;
            for (int i = 0; i < selected.length; i++) {
                if (selected[i] && i != except) {
                    result[size++] = i;
                }
            }
            return Arrays.copyOf(result, size);
        }
    }

    private final Route[] mostSpecificFirst;
    private final TopicFilter[][] subscribedBy;

    Routes(List<TopicRule> rules, List<String> brokers) {
        List<Route> routes = new ArrayList<>();
        for (TopicRule rule : rules) {
            routes.add(new Route(rule, brokers));
        }
        // Stable sort: for identical filters the rule configured first wins.
        routes.sort(Comparator.comparing((Route route) -> route.filter, TopicFilter.MOST_SPECIFIC_FIRST));
        mostSpecificFirst = routes.toArray(Route[]::new);
        Map<String, List<Subscription>> subscriptions = subscriptions(rules, brokers);
        subscribedBy = new TopicFilter[brokers.size()][];
        for (int i = 0; i < brokers.size(); i++) {
            subscribedBy[i] = subscriptions.get(brokers.get(i)).stream()
                    .map(subscription -> TopicFilter.parse(SharedSubscription.topicFilter(subscription.filter())))
                    .toArray(TopicFilter[]::new);
        }
    }

    /**
     * What each broker subscribes: the filters of the rules that subscribe there, at the highest QoS
     * of the rules each one serves. A filter covered by another one on the same broker is left out
     * (its topics arrive through the wider filter and still go to their most specific rule): brokers
     * may deliver one copy per matching subscription (Mosquitto 2 does), which would duplicate
     * messages and echoes. A shared subscription ({@code $share/...}) is subscribed as it is: it
     * neither covers nor is covered by another filter, its messages being split among instances.
     */
    static Map<String, List<Subscription>> subscriptions(List<TopicRule> rules, Collection<String> brokers) {
        Map<String, List<Subscription>> result = new LinkedHashMap<>();
        for (String broker : brokers) {
            List<Subscription> subscriptions = new ArrayList<>();
            List<TopicRule> subscribing = new ArrayList<>();
            for (TopicRule rule : rules) {
                if (rule.noSubscribe() || !rule.subscribeOn().allows(broker)) {
                    continue;
                }
                if (SharedSubscription.isShared(rule.filter())) {
                    subscriptions.add(new Subscription(rule.filter(), rule.qos()));
                } else {
                    subscribing.add(rule);
                }
            }
            List<TopicFilter> filters = subscribing.stream().map(rule -> TopicFilter.parse(rule.filter())).toList();
            for (int i = 0; i < filters.size(); i++) {
                if (coveredByAnother(filters, i)) {
                    continue;
                }
                int qos = 0;
                for (int j = 0; j < filters.size(); j++) {
                    if (filters.get(i).covers(filters.get(j))) {
                        qos = Math.max(qos, subscribing.get(j).qos());
                    }
                }
                subscriptions.add(new Subscription(filters.get(i).filter(), qos));
            }
            result.put(broker, List.copyOf(subscriptions));
        }
        return result;
    }

    private static boolean coveredByAnother(List<TopicFilter> filters, int index) {
        TopicFilter filter = filters.get(index);
        for (int j = 0; j < filters.size(); j++) {
            TopicFilter other = filters.get(j);
            // Identical filters: keep the first one only.
            if (j != index && other.covers(filter) && (!filter.covers(other) || j < index)) {
                return true;
            }
        }
        return false;
    }

    /** Every route, most specific first. */
    List<Route> all() {
        return List.of(mostSpecificFirst);
    }

    /** Topics no rule ever handles: broker system topics and ActiveMQ advisories. */
    static boolean alwaysIgnored(String topic) {
        return topic.startsWith("$") || topic.startsWith("ActiveMQ/");
    }

    /** The most specific rule matching the topic, or null. */
    Route resolve(String topic) {
        for (Route route : mostSpecificFirst) {
            if (route.filter.matches(topic)) {
                return route;
            }
        }
        return null;
    }

    /** How many copies of a publish on this topic the broker delivers back to the engine's subscriptions. */
    int subscriptionsMatching(int broker, String topic) {
        int copies = 0;
        for (TopicFilter filter : subscribedBy[broker]) {
            if (filter.matches(topic)) {
                copies++;
            }
        }
        return copies;
    }
}

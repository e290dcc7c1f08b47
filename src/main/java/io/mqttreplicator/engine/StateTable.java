package io.mqttreplicator.engine;

import io.mqttreplicator.engine.MergeAlgorithm.Candidate;
import io.mqttreplicator.engine.Routes.Route;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * State mode bookkeeping of one replication: per topic and broker, the value the engine believes
 * the broker holds, and which topics changed since the last merge tick.
 *
 * <p>Every method holds this object's monitor, briefly: inbound threads record one message, the
 * tick merges a bounded batch of topics at a time. Nothing here calls out; merges return the
 * publishes to make, and the engine makes them after the monitor is released.
 *
 * <p>Per topic, per broker (by position) a {@link TopicState} keeps:
 * <ul>
 * <li>{@code held}: the value the broker holds as far as the engine knows: the last value received
 * from it, or the winner the engine published to it (recorded at once, so its echo or its equal
 * copy is recognised); null = unknown;</li>
 * <li>{@code meta}: the receive sequence (of the write the value copies) and the flags fresh (arrived
 * since the last tick), replay (came as a retained replay) and published (the engine published it
 * and its echo has not come back yet);</li>
 * <li>{@code seen}: the fingerprint of the last value the engine actually saw from the broker (a
 * message, or the echo of its own publish).</li>
 * </ul>
 *
 * <p>Echoes: the broker handles publishes and client writes in one order and delivers them to the
 * engine in that order. An echo equal to {@code held} confirms the publish. An echo arriving after
 * a client write the engine recorded means the broker handled the publish last and holds it: it
 * becomes {@code held} again (with the sequence of the write it copies) and the topic is compared
 * at the next tick. The write it overwrote, if no merge saw it yet, takes part in that merge,
 * ranked as old state (below every held value for {@code lastwin}): after a partition, the
 * engine's publish of a value from one side is resent after the other side's write, and without it
 * {@code biggest} would converge on the smaller value. An echo of an older publish while a newer
 * one is still unconfirmed is skipped. So once a broker's messages are all handled, {@code held}
 * is what the broker holds, and the next tick converges. Endpoints without echoes are trusted:
 * {@code seen} is set when publishing.
 *
 * <p>Retained replays are old state. A replay equal to {@code held} is a duplicate. A replay equal
 * to {@code seen} but not to {@code held} means the broker missed a later publish of the engine
 * (it was disconnected and the publish was lost): it is kept as the broker's value but as the
 * oldest and not fresh, so the newer value is published to it again instead of the old one coming
 * back everywhere.
 *
 * <p>Tombstones: a topic whose deletion converged stays in memory, every broker holding the empty
 * value, with the fingerprints of what each broker last showed. Were it forgotten, a broker that
 * missed the deletion and later replays the old retained value would be the only candidate and
 * that value would win everywhere again (how deleted values come back in other systems); with the
 * tombstone the replay is recognised as old state (above) and the deletion is sent to it again. A
 * tombstone is forgotten after {@code tombstoneRetention} without traffic, and a rule's TTL forgets
 * its topics after the TTL: a broker returning later than that can bring the old value back (a TTL
 * rule then deletes it again after the TTL). That bounds memory by the topics of the retention
 * window.
 *
 * <p>Deferred publishes: the engine says which targets have too many publishes in flight. A topic
 * whose winner is due to such a target keeps its place as not yet published there (the other
 * targets get the winner at once) and waits in that target's deferred list, merged again once the
 * target has room; a new write to it is merged at the next tick as usual. So a slow or absent
 * broker holds back only its own publishes, and memory holds the topics instead of a queue of
 * publishes in the client.
 */
final class StateTable {

    /** A publish decided under the monitor, made by the engine after releasing it. */
    record Outgoing(int target, BrokerMessage message, Route route, long fingerprint, int echoCopies, long sequence, boolean expiry) {
    }

    enum Outcome {
        CHANGED,
        DUPLICATE
    }

    /** A broker's value that the echo of the engine's publish replaced in {@code held}, with its meta. */
    private record Overwritten(int broker, byte[] value, long meta) {
    }

    static final byte[] EMPTY = new byte[0];
    private static final long EMPTY_FINGERPRINT = EchoFilter.fingerprint(EMPTY);
    private static final long FRESH = 1;
    private static final long REPLAY = 2;
    private static final long PUBLISHED = 4;
    private static final int FLAG_BITS = 3;
    /** Publishes to brokers at this position or later are never deferred: {@code deferredTargets} is one long. */
    static final int DEFERRABLE_BROKERS = Long.SIZE;

    /** One topic. Arrays indexed by broker position keep it near 150 bytes (index slot included) plus topic and payload, for two brokers. */
    static final class TopicState {
        final String topic;
        final Route route;
        final byte[][] held;
        /** [0, n): sequence and flags; [n, 2n): fingerprint of the value last seen from the broker, 0 = none. */
        final long[] meta;
        long lastTraffic;
        /** Bit per broker position: waits in that broker's deferred list. */
        long deferredTargets;
        boolean dirty;
        boolean forgotten;

        TopicState(String topic, Route route, int brokers) {
            this.topic = topic;
            this.route = route;
            this.held = new byte[brokers][];
            this.meta = new long[2 * brokers];
        }
    }

    private final String[] brokers;
    private final int[] maxQos;
    private final boolean[] echoes;
    private final Routes routes;
    private final RandomGenerator random;
    private final TopicIndex topics = new TopicIndex();
    /** Per topic, the values an echo overwrote since its last merge; rare, so kept out of {@link TopicState}. */
    private final IdentityHashMap<TopicState, List<Overwritten>> overwritten = new IdentityHashMap<>();
    /** Per state mode route: how many of {@link #topics} it holds, counted as they come and go. */
    private final IdentityHashMap<Route, int[]> topicsByRoute = new IdentityHashMap<>();
    private ArrayList<TopicState> dirty = new ArrayList<>();
    private final ArrayDeque<TopicState>[] deferred;
    private long sequence;
    /**
     * Whether some topic may hold a deletion (an empty value). Without one, and without a rule
     * with a TTL, a sweep has nothing to find and does not walk the table.
     */
    private boolean mayHoldDeletions;

    StateTable(String[] brokers, int[] maxQos, boolean[] echoes, Routes routes, RandomGenerator random) {
        this.brokers = brokers;
        this.maxQos = maxQos;
        this.echoes = echoes;
        this.routes = routes;
        this.random = random;
        @SuppressWarnings("unchecked")
        ArrayDeque<TopicState>[] lists = new ArrayDeque[Math.min(brokers.length, DEFERRABLE_BROKERS)];
        for (int i = 0; i < lists.length; i++) {
            lists[i] = new ArrayDeque<>();
        }
        this.deferred = lists;
        for (Route route : routes.all()) {
            if (route.stateMode) {
                topicsByRoute.put(route, new int[1]);
            }
        }
    }

    /** Records a message (not an echo) from a broker. */
    synchronized Outcome record(Route route, int broker, BrokerMessage message, long fingerprint, long now) {
        String topic = message.topic();
        TopicState state = topics.get(topic);
        if (state == null) {
            state = new TopicState(topic, route, brokers.length);
            topics.add(state);
            topicsByRoute.computeIfAbsent(route, ignored -> new int[1])[0]++;
        }
        state.lastTraffic = now;
        int seenAt = brokers.length + broker;
        byte[] held = state.held[broker];
        byte[] payload = message.payload();
        if (held != null && Arrays.equals(held, payload)) {
            state.meta[seenAt] = fingerprint;
            return Outcome.DUPLICATE;
        }
        if (message.retain() && state.meta[seenAt] == fingerprint) {
            state.meta[broker] = REPLAY;
        } else {
            state.meta[broker] = ++sequence << FLAG_BITS | FRESH | (message.retain() ? REPLAY : 0);
        }
        hold(state, broker, payload);
        state.meta[seenAt] = fingerprint;
        markDirty(state);
        return Outcome.CHANGED;
    }

    /**
     * Records the echo of the engine's own publish: the broker now holds that value.
     * {@code sequence} is the published winner's receive sequence.
     */
    synchronized void recordEcho(int broker, BrokerMessage echo, long fingerprint, long sequence) {
        TopicState state = topics.get(echo.topic());
        if (state == null) {
            return;
        }
        byte[] held = state.held[broker];
        if (held != null && Arrays.equals(held, echo.payload())) {
            state.meta[broker] &= ~PUBLISHED;
            state.meta[brokers.length + broker] = fingerprint;
            return;
        }
        if (held != null && (state.meta[broker] & PUBLISHED) != 0) {
            return; // an older publish: the echo of the newer one is still to come
        }
        // The broker handled our publish after the write we last recorded from it (a client's
        // write raced it), so it holds our value now: record it with the age of the write it
        // copies, and let the next tick compare again, the overwritten write included if no merge
        // saw it yet (a replay recognised as old state is not fresh: it must not come back).
        if (held != null && (state.meta[broker] & FRESH) != 0) {
            overwritten.computeIfAbsent(state, ignored -> new ArrayList<>(1)).add(new Overwritten(broker, held, state.meta[broker]));
        }
        hold(state, broker, echo.payload());
        state.meta[broker] = sequence << FLAG_BITS;
        state.meta[brokers.length + broker] = fingerprint;
        markDirty(state);
    }

    private void markDirty(TopicState state) {
        if (!state.dirty) {
            state.dirty = true;
            dirty.add(state);
        }
    }

    /** The topics changed since the previous call; they stay marked until merged. */
    synchronized List<TopicState> takeDirty() {
        List<TopicState> taken = dirty;
        dirty = new ArrayList<>();
        return taken;
    }

    /**
     * Up to {@code max} of the topics waiting for room at a target, the longest waiting first;
     * the others keep waiting. Taking only what fits keeps a long wait from being merged again at
     * every tick.
     */
    synchronized List<TopicState> takeDeferred(int target, int max) {
        if (target >= deferred.length || deferred[target].isEmpty() || max <= 0) {
            return List.of();
        }
        ArrayDeque<TopicState> waiting = deferred[target];
        List<TopicState> taken = new ArrayList<>(Math.min(max, waiting.size()));
        long bit = 1L << target;
        while (taken.size() < max && !waiting.isEmpty()) {
            TopicState state = waiting.poll();
            state.deferredTargets &= ~bit;
            taken.add(state);
        }
        return taken;
    }

    synchronized boolean hasDeferred(int target) {
        return target < deferred.length && !deferred[target].isEmpty();
    }

    /**
     * Merges {@code batch[from, to)} and adds the publishes to make to {@code out}; a publish to a
     * target marked {@code full} is deferred instead. {@code deferredBatch}: the batch came from
     * {@link #takeDeferred}, so its topics are merged even when no new write marked them.
     */
    synchronized void merge(List<TopicState> batch, int from, int to, boolean deferredBatch, boolean[] full, List<Outgoing> out) {
        for (int i = from; i < to; i++) {
            TopicState state = batch.get(i);
            if (state.forgotten || (!state.dirty && !deferredBatch)) {
                continue;
            }
            state.dirty = false;
            long waiting = state.deferredTargets;
            List<Overwritten> raced = overwritten.isEmpty() ? null : overwritten.remove(state);
            if (raced != null || !converged(state)) {
                int winner = pickWinner(state, raced);
                if (winner >= brokers.length) {
                    Overwritten write = raced.get(winner - brokers.length);
                    publishWinner(state, write.value(), write.meta(), full, waiting, out);
                } else if (winner >= 0) {
                    publishWinner(state, state.held[winner], state.meta[winner], full, waiting, out);
                }
            }
            for (int broker = 0; broker < brokers.length; broker++) {
                state.meta[broker] &= ~FRESH;
            }
        }
    }

    private static boolean converged(TopicState state) {
        byte[] common = null;
        for (int broker : state.route.involved) {
            byte[] value = state.held[broker];
            if (value == null) {
                return false;
            }
            if (common == null) {
                common = value;
            } else if (value != common && !Arrays.equals(value, common)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The broker position holding the winner, or {@code brokers.length + i} when it is
     * {@code raced[i]}; -1 when nobody holds a value.
     */
    private int pickWinner(TopicState state, List<Overwritten> raced) {
        int holders = 0;
        int only = -1;
        for (int broker : state.route.sources) {
            if (state.held[broker] != null) {
                holders++;
                only = broker;
            }
        }
        if (holders <= 1 && raced == null) {
            return only;
        }
        int racedCount = raced == null ? 0 : raced.size();
        List<Candidate> candidates = new ArrayList<>(holders + racedCount);
        int[] owners = new int[holders + racedCount];
        for (int broker : state.route.sources) {
            byte[] value = state.held[broker];
            if (value != null) {
                long meta = state.meta[broker];
                owners[candidates.size()] = broker;
                candidates.add(new Candidate(brokers[broker], value, meta >>> FLAG_BITS, (meta & REPLAY) != 0, (meta & FRESH) != 0));
            }
        }
        for (int i = 0; i < racedCount; i++) {
            Overwritten write = raced.get(i);
            owners[candidates.size()] = brokers.length + i;
            // Its broker handled the engine's publish after it: older than any held value.
            candidates.add(new Candidate(brokers[write.broker()], write.value(), 0, true, false));
        }
        Candidate winner = state.route.rule.merge().pick(candidates, random);
        for (int i = 0; i < owners.length; i++) {
            if (candidates.get(i) == winner) {
                return owners[i];
            }
        }
        throw new IllegalStateException("merge algorithm " + state.route.rule.merge().configName() + " returned a value that was not a candidate");
    }

    private void publishWinner(TopicState state, byte[] value, long winnerMeta, boolean[] full, long waiting, List<Outgoing> out) {
        long fingerprint = EchoFilter.fingerprint(value);
        // Deletions always go out retained, so they also clear a retained copy; a value that came
        // as a retained replay stays retained.
        boolean retain = state.route.rule.retain() || (winnerMeta & REPLAY) != 0 || value.length == 0;
        for (int target : state.route.targets) {
            byte[] current = state.held[target];
            if (current == value || (current != null && Arrays.equals(current, value))) {
                continue;
            }
            if (target < DEFERRABLE_BROKERS && full[target]) {
                long bit = 1L << target;
                if ((waiting & bit) == 0) {
                    deferred[target].add(state);
                }
                state.deferredTargets |= bit;
                continue;
            }
            hold(state, target, value);
            state.meta[target] = (winnerMeta >>> FLAG_BITS) << FLAG_BITS | PUBLISHED;
            int copies = echoes[target] ? routes.subscriptionsMatching(target, state.topic) : 0;
            if (copies == 0) {
                state.meta[brokers.length + target] = fingerprint; // no echo will confirm it
            }
            int qos = Math.min(state.route.rule.qos(), maxQos[target]);
            out.add(new Outgoing(target, new BrokerMessage(state.topic, value, qos, retain), state.route, fingerprint, copies,
                    winnerMeta >>> FLAG_BITS, false));
        }
    }

    /**
     * Deletes the topics whose rule's TTL passed without traffic (an empty retained QoS 1 publish
     * to every broker the rule publishes to) and forgets them, and forgets tombstones older than
     * {@code tombstoneRetentionNanos}.
     */
    synchronized void sweep(long now, long tombstoneRetentionNanos, List<Outgoing> out) {
        if (!mayHoldDeletions && !holdsTopicsWithTtl()) {
            return;
        }
        boolean[] deletionsLeft = {false};
        topics.removeIf(state -> {
            long quiet = now - state.lastTraffic;
            Route route = state.route;
            boolean expired = route.ttlNanos > 0 && quiet >= route.ttlNanos;
            if (expired && !deletedEverywhere(state)) {
                for (int target : route.targets) {
                    int copies = echoes[target] ? routes.subscriptionsMatching(target, state.topic) : 0;
                    BrokerMessage deletion = new BrokerMessage(state.topic, EMPTY, Math.min(1, maxQos[target]), true);
                    out.add(new Outgoing(target, deletion, route, EMPTY_FINGERPRINT, copies, 0, true));
                }
            }
            if (expired || (quiet >= tombstoneRetentionNanos && !state.dirty && deletedEverywhere(state))) {
                state.forgotten = true;
                overwritten.remove(state);
                topicsByRoute.get(route)[0]--;
                return true;
            }
            deletionsLeft[0] |= holdsDeletion(state);
            return false;
        });
        mayHoldDeletions = deletionsLeft[0];
    }

    private void hold(TopicState state, int broker, byte[] value) {
        if (value.length == 0) {
            state.held[broker] = EMPTY;
            mayHoldDeletions = true;
        } else {
            state.held[broker] = value;
        }
    }

    private boolean holdsTopicsWithTtl() {
        for (Map.Entry<Route, int[]> byRoute : topicsByRoute.entrySet()) {
            if (byRoute.getKey().ttlNanos > 0 && byRoute.getValue()[0] > 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean holdsDeletion(TopicState state) {
        for (byte[] value : state.held) {
            if (value != null && value.length == 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean deletedEverywhere(TopicState state) {
        for (int broker : state.route.involved) {
            byte[] value = state.held[broker];
            if (value == null || value.length != 0) {
                return false;
            }
        }
        return true;
    }

    /** Topics in memory, tombstones included. */
    synchronized int size() {
        return topics.size();
    }

    /** Topics in memory by state mode rule id, tombstones included; rules holding none give 0. */
    synchronized Map<String, Integer> sizeByRule() {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        topicsByRoute.forEach((route, count) -> sizes.merge(route.id(), count[0], Integer::sum));
        return sizes;
    }
}

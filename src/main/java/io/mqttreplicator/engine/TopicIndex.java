package io.mqttreplicator.engine;

import io.mqttreplicator.engine.StateTable.TopicState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The state table's topics by name: open addressing with linear probing over an array of the
 * states themselves, and beside it an array of their topics' spread hash codes. A
 * {@link java.util.HashMap} adds a 32-byte node per topic, a fifth of what a topic costs besides
 * its name and payload; here a topic costs one slot and its hash (8 to 12 bytes). A probe compares
 * the hashes first, so passing a slot reads neither the state nor its topic: a new topic, looked up
 * before it is added, walks its probe run in the two arrays only.
 * Not thread-safe: the state table's monitor guards it.
 */
final class TopicIndex {

    private static final int MIN_CAPACITY = 16;

    private TopicState[] slots = new TopicState[MIN_CAPACITY];
    /** {@link #hash} of the topic in the same slot of {@link #slots}. */
    private int[] hashes = new int[MIN_CAPACITY];
    private int size;

    int size() {
        return size;
    }

    TopicState get(String topic) {
        TopicState[] table = slots;
        int[] tableHashes = hashes;
        int mask = table.length - 1;
        int hash = hash(topic);
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            TopicState state = table[i];
            if (state == null || (tableHashes[i] == hash && state.topic.equals(topic))) {
                return state;
            }
        }
    }

    /** Adds a state whose topic is not in the index yet. */
    void add(TopicState state) {
        if ((size + 1) * 4L > slots.length * 3L) {
            resize(slots.length * 2);
        }
        place(slots, hashes, state, hash(state.topic));
        size++;
    }

    /** Removes the states {@code remove} accepts; it sees every state once. */
    void removeIf(Predicate<TopicState> remove) {
        List<TopicState> removed = new ArrayList<>();
        for (TopicState state : slots) {
            if (state != null && remove.test(state)) {
                removed.add(state);
            }
        }
        for (TopicState state : removed) {
            delete(state);
        }
        if (slots.length > MIN_CAPACITY && size * 8L < slots.length) {
            resize(Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, size)) * 4));
        }
    }

    private void delete(TopicState state) {
        TopicState[] table = slots;
        int[] tableHashes = hashes;
        int mask = table.length - 1;
        int gap = hash(state.topic) & mask;
        while (table[gap] != state) {
            gap = (gap + 1) & mask;
        }
        // Backward shift: move later members of the probe run into the gap, so lookups that
        // stop at the first empty slot still find them.
        for (int i = (gap + 1) & mask; table[i] != null; i = (i + 1) & mask) {
            int wanted = tableHashes[i] & mask;
            if (((i - wanted) & mask) >= ((i - gap) & mask)) {
                table[gap] = table[i];
                tableHashes[gap] = tableHashes[i];
                gap = i;
            }
        }
        table[gap] = null;
        size--;
    }

    private void resize(int capacity) {
        TopicState[] old = slots;
        int[] oldHashes = hashes;
        slots = new TopicState[capacity];
        hashes = new int[capacity];
        for (int i = 0; i < old.length; i++) {
            if (old[i] != null) {
                place(slots, hashes, old[i], oldHashes[i]);
            }
        }
    }

    private static void place(TopicState[] table, int[] tableHashes, TopicState state, int hash) {
        int mask = table.length - 1;
        int i = hash & mask;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = state;
        tableHashes[i] = hash;
    }

    /** Spreads String hash codes, which differ only in their low bits for topics like {@code a/1}, {@code a/2}. */
    private static int hash(String topic) {
        int h = topic.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}

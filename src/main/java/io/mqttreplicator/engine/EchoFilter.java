package io.mqttreplicator.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The echoes one broker owes the engine: every publish the engine made on the broker comes back on
 * the engine's own matching subscription (MQTT 3.1.1 has no No Local), and must be recognised so
 * it is neither forwarded again nor taken for a client's write.
 *
 * <p>An expectation is keyed by topic, a 64-bit payload fingerprint and the payload length, and
 * counts: several identical publishes in flight expect as many echoes. An expectation lapses
 * {@code expiry} after its latest publish (a QoS 0 echo may never come), and {@link #sweep} drops
 * lapsed ones, so memory stays bounded by what was published within {@code expiry}.
 *
 * <p>Thread-safe without locks of its own beyond the map's: publishes register from the threads of
 * the other brokers and the merge tick, the broker's inbound thread consumes.
 */
final class EchoFilter {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long C1 = 0x9E3779B97F4A7C15L;
    private static final long C2 = 0xC2B2AE3D27D4EB4FL;

    private record Key(String topic, long fingerprint, int length) {
        @Override
        public int hashCode() {
            return topic.hashCode() * 31 + (int) (fingerprint ^ (fingerprint >>> 32));
        }
    }

    /** Immutable so that conditional replace/remove compare whole states, never half-updated ones. */
    private record Pending(int count, long deadline, long tag) {
    }

    /** What {@link #consume} returns for a message that is not an echo. */
    static final long NOT_AN_ECHO = -1;

    private final ConcurrentHashMap<Key, Pending> pending = new ConcurrentHashMap<>();
    private final long expiryNanos;

    EchoFilter(long expiryNanos) {
        this.expiryNanos = expiryNanos;
    }

    /**
     * A 64-bit fingerprint of a payload, never 0 (0 stands for "no value" in the state table).
     * Reads eight bytes at a time: it is computed for every message of an echoing broker.
     */
    static long fingerprint(byte[] payload) {
        long hash = C1 ^ payload.length;
        int i = 0;
        for (; i + Long.BYTES <= payload.length; i += Long.BYTES) {
            hash = Long.rotateLeft(hash ^ ((long) LONGS.get(payload, i) * C2), 31) * C1;
        }
        for (; i < payload.length; i++) {
            hash = Long.rotateLeft(hash ^ ((payload[i] & 0xFFL) * C2), 11) * C1;
        }
        hash ^= hash >>> 33;
        hash *= 0xFF51AFD7ED558CCDL;
        hash ^= hash >>> 33;
        return hash == 0 ? 1 : hash;
    }

    /**
     * Records that {@code copies} echoes of this publish will come back. Call before publishing.
     * The {@code tag} (not negative) is handed back with the echo; identical publishes keep the latest.
     */
    void expect(String topic, long fingerprint, int length, int copies, long tag, long now) {
        long deadline = now + expiryNanos;
        pending.merge(new Key(topic, fingerprint, length), new Pending(copies, deadline, tag),
                (old, added) -> old.deadline() - now <= 0 ? added : new Pending(old.count() + copies, deadline, tag));
    }

    /** Takes one expected echo and returns its tag; {@link #NOT_AN_ECHO} when none is expected. */
    long consume(String topic, long fingerprint, int length, long now) {
        Key key = new Key(topic, fingerprint, length);
        while (true) {
            Pending current = pending.get(key);
            if (current == null) {
                return NOT_AN_ECHO;
            }
            if (current.deadline() - now <= 0) {
                if (pending.remove(key, current)) {
                    return NOT_AN_ECHO;
                }
            } else if (current.count() == 1
                    ? pending.remove(key, current)
                    : pending.replace(key, current, new Pending(current.count() - 1, current.deadline(), current.tag()))) {
                return current.tag();
            }
        }
    }

    /** Withdraws {@code copies} expected echoes, for a publish that failed. */
    void withdraw(String topic, long fingerprint, int length, int copies, long now) {
        for (int i = 0; i < copies; i++) {
            consume(topic, fingerprint, length, now);
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Drops lapsed expectations. */
    void sweep(long now) {
        pending.entrySet().removeIf(entry -> entry.getValue().deadline() - now <= 0);
    }

    /** Topics and payloads with an expected echo (not the number of echoes). */
    int size() {
        return pending.size();
    }
}

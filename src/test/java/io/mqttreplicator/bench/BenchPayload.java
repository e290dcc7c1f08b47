package io.mqttreplicator.bench;

import java.nio.ByteBuffer;

/**
 * The bytes every benchmark message carries: a marker saying what the message is for, a sequence number and the
 * {@link System#nanoTime()} of the send (publisher and subscriber share the JVM, so the clocks agree), padded with
 * zeros to the configured size.
 */
final class BenchPayload {

    static final int HEADER_BYTES = 20;
    private static final byte[] ZEROS = new byte[4096];

    enum Kind {
        /** a measured message */
        LOAD(0x4d51424c),
        /** sent before a measurement so the JIT and the connections are warm; not measured */
        WARMUP(0x4d514257),
        /** sent until one arrives, to learn that the link between the brokers is up */
        PROBE(0x4d514250);

        private final int marker;

        Kind(int marker) {
            this.marker = marker;
        }

        static Kind of(int marker) {
            for (Kind kind : values()) {
                if (kind.marker == marker) {
                    return kind;
                }
            }
            return null;
        }
    }

    private BenchPayload() {
    }

    /** The bytes of a payload of the configured size. */
    static int size(int size) {
        return Math.max(size, HEADER_BYTES);
    }

    /** Writes the payload of a message into {@code out}: {@link #size} bytes. */
    static void put(ByteBuffer out, Kind kind, long sequence, long sendNanos, int size) {
        out.putInt(kind.marker).putLong(sequence).putLong(sendNanos);
        for (int padding = size(size) - HEADER_BYTES; padding > 0; padding -= ZEROS.length) {
            out.put(ZEROS, 0, Math.min(padding, ZEROS.length));
        }
    }

    /** The kind of a received payload, or null for a message this benchmark did not send. */
    static Kind kind(ByteBuffer payload) {
        return payload.remaining() < HEADER_BYTES ? null : Kind.of(payload.getInt(payload.position()));
    }

    static long sequence(ByteBuffer payload) {
        return payload.getLong(payload.position() + 4);
    }

    static long sendNanos(ByteBuffer payload) {
        return payload.getLong(payload.position() + 12);
    }
}

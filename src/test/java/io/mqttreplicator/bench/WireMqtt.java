package io.mqttreplicator.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The MQTT 3.1.1 frames the benchmark's own clients need, encoded into and decoded from byte buffers.
 * <p>
 * Every frame is a fixed header byte (packet type in the high nibble, flags in the low one), the remaining length
 * as a varint (7 bits per byte, least significant first, high bit = more follows, at most 4 bytes), then the body.
 * A PUBLISH body is the topic (2-byte length, UTF-8), the packet identifier (2 bytes, QoS 1 and 2 only) and the
 * payload, which runs to the end of the frame.
 */
final class WireMqtt {

    static final int CONNECT = 1;
    static final int CONNACK = 2;
    static final int PUBLISH = 3;
    static final int PUBACK = 4;
    static final int SUBSCRIBE = 8;
    static final int SUBACK = 9;
    static final int PINGREQ = 12;
    static final int PINGRESP = 13;
    static final int DISCONNECT = 14;

    /** The largest remaining length a 4-byte varint can carry. */
    static final int MAX_REMAINING_LENGTH = 268_435_455;

    private WireMqtt() {
    }

    static void putConnect(ByteBuffer out, String clientId, boolean cleanSession, int keepAliveSeconds) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        out.put((byte) (CONNECT << 4));
        putVarint(out, 10 + 2 + id.length);
        putString(out, "MQTT".getBytes(StandardCharsets.US_ASCII));
        out.put((byte) 4); // protocol level 4 = MQTT 3.1.1
        out.put((byte) (cleanSession ? 0x02 : 0));
        out.putShort((short) keepAliveSeconds);
        putString(out, id);
    }

    static void putSubscribe(ByteBuffer out, int packetId, String filter, int qos) {
        byte[] topic = filter.getBytes(StandardCharsets.UTF_8);
        out.put((byte) (SUBSCRIBE << 4 | 0x02)); // SUBSCRIBE's flags are fixed at 0010
        putVarint(out, 2 + 2 + topic.length + 1);
        out.putShort((short) packetId);
        putString(out, topic);
        out.put((byte) qos);
    }

    /** The bytes of a PUBLISH frame with this topic and payload size. */
    static int publishFrameBytes(int topicBytes, int qos, int payloadBytes) {
        int remaining = publishRemainingLength(topicBytes, qos, payloadBytes);
        return 1 + varintBytes(remaining) + remaining;
    }

    /**
     * Writes a PUBLISH frame up to its payload; the caller puts exactly {@code payloadBytes} bytes after it.
     * {@code packetId} is ignored at QoS 0.
     */
    static void putPublishHeader(ByteBuffer out, byte[] topic, int qos, boolean retain, int packetId, int payloadBytes) {
        out.put((byte) (PUBLISH << 4 | qos << 1 | (retain ? 1 : 0)));
        putVarint(out, publishRemainingLength(topic.length, qos, payloadBytes));
        putString(out, topic);
        if (qos > 0) {
            out.putShort((short) packetId);
        }
    }

    static void putPuback(ByteBuffer out, int packetId) {
        out.put((byte) (PUBACK << 4)).put((byte) 2).putShort((short) packetId);
    }

    static void putPingreq(ByteBuffer out) {
        out.put((byte) (PINGREQ << 4)).put((byte) 0);
    }

    static void putDisconnect(ByteBuffer out) {
        out.put((byte) (DISCONNECT << 4)).put((byte) 0);
    }

    private static int publishRemainingLength(int topicBytes, int qos, int payloadBytes) {
        long length = 2L + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
        if (topicBytes > 65_535 || length > MAX_REMAINING_LENGTH) {
            throw new IllegalArgumentException("PUBLISH too large: topic " + topicBytes + " B, payload " + payloadBytes + " B");
        }
        return (int) length;
    }

    private static void putString(ByteBuffer out, byte[] utf8) {
        out.putShort((short) utf8.length).put(utf8);
    }

    static void putVarint(ByteBuffer out, int value) {
        do {
            int digit = value & 0x7f;
            value >>>= 7;
            out.put((byte) (value > 0 ? digit | 0x80 : digit));
        } while (value > 0);
    }

    static int varintBytes(int value) {
        return value < 128 ? 1 : value < 16_384 ? 2 : value < 2_097_152 ? 3 : 4;
    }

    /**
     * One decoded frame, reused from frame to frame: {@link #next} finds the next complete frame in a buffer and,
     * for a PUBLISH, where its parts are. Positions are absolute indexes into that buffer.
     */
    static final class Frame {
        int type;
        int flags;
        int bodyStart;
        int bodyEnd;
        /** Bytes the frame being read needs in all, header included, once its header is complete; else 0. */
        int frameBytes;
        // PUBLISH only
        int qos;
        boolean retain;
        int topicStart;
        int topicLength;
        int payloadStart;
        /** PUBLISH at QoS 1 and 2, PUBACK, SUBACK: the packet identifier; else 0. */
        int packetId;

        /**
         * Decodes the frame starting at {@code in.position()} if {@code in} holds all of it (up to its limit), and
         * moves the position past it. Returns false, position unchanged, when the frame is not complete yet.
         */
        boolean next(ByteBuffer in) {
            int start = in.position();
            int limit = in.limit();
            frameBytes = 0;
            if (limit - start < 2) {
                return false;
            }
            int remaining = 0;
            int index = start + 1;
            for (int shift = 0; ; shift += 7) {
                if (index >= limit) {
                    return false;
                }
                if (shift > 21) {
                    throw new IllegalStateException("malformed remaining length at byte " + start);
                }
                int digit = in.get(index++);
                remaining |= (digit & 0x7f) << shift;
                if ((digit & 0x80) == 0) {
                    break;
                }
            }
            frameBytes = index - start + remaining;
            if (limit - index < remaining) {
                return false;
            }
            int header = in.get(start) & 0xff;
            type = header >>> 4;
            flags = header & 0x0f;
            bodyStart = index;
            bodyEnd = index + remaining;
            packetId = 0;
            if (type == PUBLISH) {
                qos = (flags >>> 1) & 3;
                retain = (flags & 1) != 0;
                topicLength = in.getShort(bodyStart) & 0xffff;
                topicStart = bodyStart + 2;
                payloadStart = topicStart + topicLength;
                if (qos > 0) {
                    packetId = in.getShort(payloadStart) & 0xffff;
                    payloadStart += 2;
                }
                if (payloadStart > bodyEnd) {
                    throw new IllegalStateException("malformed PUBLISH: topic and packet id beyond the frame");
                }
            } else if ((type == PUBACK || type == SUBACK) && remaining >= 2) {
                packetId = in.getShort(bodyStart) & 0xffff;
            }
            in.position(bodyEnd);
            return true;
        }

        int payloadLength() {
            return bodyEnd - payloadStart;
        }

        /** The PUBLISH's topic, decoded (the hot paths skip it). */
        String topic(ByteBuffer in) {
            byte[] bytes = new byte[topicLength];
            in.get(topicStart, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}

package io.mqttreplicator.replication;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * MQTT client ids in the MQTT_Replicator format,
 * {@code {name}_{adjective}_{adjective}_{animal}_mqttreplicator_{randomid}}, but drawn from a
 * SHA-256 of the broker name and the replication's identity instead of at random: the same broker
 * in the same replication gets the same id after a reconnect or a restart, so the broker keeps its
 * persistent session (and the messages queued in it), while another replication gets another id
 * and does not take that session over.
 */
public final class StableClientId {

    /** Mosquitto, HiveMQ, EMQX and VerneMQ accept longer ids; this keeps them readable in logs. */
    public static final int MAX_LENGTH = 65;

    private static final String MARKER = "_mqttreplicator_";
    private static final int RANDOM_ID_LENGTH = 10;
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

    // At most 8 letters each, so the name keeps at least 12 of the 65 characters.
    private static final List<String> ADJECTIVES = List.of(
            "agile", "amber", "bold", "brave", "breezy", "bright", "calm", "candid", "cheerful", "clever",
            "cosy", "curious", "daring", "eager", "fearless", "fluffy", "gentle", "giddy", "golden", "happy",
            "honest", "jolly", "keen", "kind", "lively", "loyal", "lucky", "merry", "mighty", "naughty",
            "nimble", "patient", "plucky", "polite", "quick", "quiet", "rapid", "silent", "sleepy", "snappy",
            "steady", "sturdy", "swift", "tidy", "trusty", "vivid", "witty", "zesty");

    private static final List<String> ANIMALS = List.of(
            "alpaca", "badger", "beaver", "bison", "bobcat", "camel", "cheetah", "coyote", "crane", "dingo",
            "dolphin", "eagle", "ferret", "gecko", "gibbon", "heron", "hedgehog", "ibis", "impala", "jackal",
            "jaguar", "koala", "lemur", "lynx", "marmot", "meerkat", "narwhal", "ocelot", "otter", "panda",
            "pelican", "puffin", "quokka", "raccoon", "ratsnake", "salmon", "seal", "sparrow", "squirrel", "tapir",
            "toucan", "walrus", "wombat", "yak", "zebra");

    private StableClientId() {
    }

    /**
     * The client id of one broker of one replication.
     *
     * @param brokerName          the broker's name, lower-cased and reduced to {@code [a-z0-9_-]}
     *                            in the id (the full name still goes into the digest)
     * @param replicationIdentity whatever identifies the replication across restarts; must not
     *                            contain secrets that rotate (the id would change with them)
     */
    public static String generate(String brokerName, String replicationIdentity) {
        byte[] digest = sha256(brokerName + '\u0000' + replicationIdentity);
        int first = index(digest, 0, ADJECTIVES.size());
        int second = index(digest, 2, ADJECTIVES.size() - 1);
        if (second >= first) {
            second++; // two different adjectives, as sillyid draws them
        }
        StringBuilder randomId = new StringBuilder(RANDOM_ID_LENGTH);
        for (int i = 0; i < RANDOM_ID_LENGTH; i++) {
            randomId.append(ID_ALPHABET.charAt((digest[8 + i] & 0xff) % ID_ALPHABET.length()));
        }
        String suffix = "_" + ADJECTIVES.get(first) + "_" + ADJECTIVES.get(second) + "_"
                + ANIMALS.get(index(digest, 4, ANIMALS.size())) + MARKER + randomId;
        String name = sanitize(brokerName);
        int room = MAX_LENGTH - suffix.length();
        if (name.length() > room) {
            name = name.substring(0, room);
        }
        return name + suffix;
    }

    static String sanitize(String brokerName) {
        String lower = brokerName.toLowerCase(Locale.ROOT);
        StringBuilder name = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
            name.append(allowed ? c : '_');
        }
        return name.isEmpty() ? "broker" : name.toString();
    }

    private static int index(byte[] digest, int offset, int size) {
        int value = ((digest[offset] & 0xff) << 8) | (digest[offset + 1] & 0xff);
        return value % size;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("every Java platform has SHA-256", impossible);
        }
    }
}

package io.mqttreplicator.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.random.RandomGenerator;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/**
 * Chooses the value every broker converges on when the brokers hold different values for a topic.
 * Names as in MQTT_Replicator: {@code lastwin}, {@code biggest}, {@code jsonbiggest:<path>},
 * {@code msgpackbiggest:<path>}, {@code random}.
 */
public sealed interface MergeAlgorithm {

    /**
     * One broker's value for a topic at a merge tick.
     *
     * @param broker   the broker holding it
     * @param payload  the value; empty = deleted
     * @param sequence the engine's receive order: higher was received later
     * @param replay   the value came as a retained replay (old state), not as a live write
     * @param fresh    the value arrived since the previous merge tick
     */
    record Candidate(String broker, byte[] payload, long sequence, boolean replay, boolean fresh) {
    }

    /** The name this algorithm is configured with. */
    String configName();

    /** Picks the winner; {@code candidates} is never empty. */
    Candidate pick(List<Candidate> candidates, RandomGenerator random);

    MergeAlgorithm LAST_WIN = new LastWin();

    /** Parses a configured name; throws IllegalArgumentException naming what is wrong. */
    static MergeAlgorithm parse(String text) {
        String name = text.trim();
        int colon = name.indexOf(':');
        String kind = colon < 0 ? name : name.substring(0, colon);
        String path = colon < 0 ? "" : name.substring(colon + 1).trim();
        return switch (kind) {
            case "", "lastwin" -> requireNoPath(kind, path, LAST_WIN);
            case "biggest" -> requireNoPath(kind, path, new Biggest());
            case "random" -> requireNoPath(kind, path, new RandomPick());
            case "jsonbiggest" -> new BiggestAtPath(kind, ValuePath.parse(path, kind), new ObjectMapper());
            case "msgpackbiggest" -> new BiggestAtPath(kind, ValuePath.parse(path, kind), new ObjectMapper(new MessagePackFactory()));
            default -> throw new IllegalArgumentException("unknown merge algorithm '" + name
                    + "' (expected lastwin, biggest, jsonbiggest:<path>, msgpackbiggest:<path> or random)");
        };
    }

    private static MergeAlgorithm requireNoPath(String kind, String path, MergeAlgorithm algorithm) {
        if (!path.isEmpty()) {
            throw new IllegalArgumentException("merge algorithm '" + kind + "' takes no path");
        }
        return algorithm;
    }

    /**
     * The latest write wins: among the values that arrived since the last tick, live writes beat
     * retained replays (a replay is old state), and the latest received wins. Values held from
     * earlier ticks only count when nothing arrived since.
     */
    final class LastWin implements MergeAlgorithm {
        private static final Comparator<Candidate> ORDER = Comparator
                .comparing(Candidate::fresh)
                .thenComparing(candidate -> !candidate.replay())
                .thenComparingLong(Candidate::sequence);

        @Override
        public String configName() {
            return "lastwin";
        }

        @Override
        public Candidate pick(List<Candidate> candidates, RandomGenerator random) {
            return candidates.stream().max(ORDER).orElseThrow();
        }
    }

    /** The biggest payload in unsigned byte order wins. */
    final class Biggest implements MergeAlgorithm {
        @Override
        public String configName() {
            return "biggest";
        }

        @Override
        public Candidate pick(List<Candidate> candidates, RandomGenerator random) {
            return candidates.stream()
                    .max((a, b) -> Arrays.compareUnsigned(a.payload(), b.payload()))
                    .orElseThrow();
        }
    }

    /** One of the differing values, drawn at random. */
    final class RandomPick implements MergeAlgorithm {
        @Override
        public String configName() {
            return "random";
        }

        @Override
        public Candidate pick(List<Candidate> candidates, RandomGenerator random) {
            return candidates.get(random.nextInt(candidates.size()));
        }
    }

    /**
     * The value whose number at a path is the biggest wins; values without a number there lose;
     * ties and values without any number fall back to {@link LastWin}.
     */
    final class BiggestAtPath implements MergeAlgorithm {
        private final String kind;
        private final ValuePath path;
        private final ObjectMapper mapper;

        BiggestAtPath(String kind, ValuePath path, ObjectMapper mapper) {
            this.kind = kind;
            this.path = path;
            this.mapper = mapper;
        }

        @Override
        public String configName() {
            return kind + ":" + path;
        }

        @Override
        public Candidate pick(List<Candidate> candidates, RandomGenerator random) {
            double best = Double.NEGATIVE_INFINITY;
            List<Candidate> bestCandidates = List.of();
            for (Candidate candidate : candidates) {
                OptionalDouble number = numberAt(candidate.payload());
                if (number.isEmpty()) {
                    continue;
                }
                double value = number.getAsDouble();
                if (value > best) {
                    best = value;
                    bestCandidates = new java.util.ArrayList<>(List.of(candidate));
                } else if (value == best) {
                    bestCandidates.add(candidate);
                }
            }
            return LAST_WIN.pick(bestCandidates.isEmpty() ? candidates : bestCandidates, random);
        }

        OptionalDouble numberAt(byte[] payload) {
            if (payload.length == 0) {
                return OptionalDouble.empty();
            }
            try {
                return path.numberIn(mapper.readTree(payload));
            } catch (IOException notParseable) {
                return OptionalDouble.empty();
            }
        }
    }

    /** A dotted path into a JSON or MessagePack document: {@code a.b.0.c} or {@code a.b[0].c}. */
    record ValuePath(List<String> segments) {
        static ValuePath parse(String text, String kind) {
            if (text.isEmpty()) {
                throw new IllegalArgumentException("merge algorithm '" + kind + "' needs a path, e.g. " + kind + ":value");
            }
            List<String> segments = Arrays.stream(text.replace("[", ".").replace("]", "").split("\\."))
                    .filter(segment -> !segment.isEmpty())
                    .toList();
            if (segments.isEmpty()) {
                throw new IllegalArgumentException("merge algorithm '" + kind + "' has an empty path '" + text + "'");
            }
            return new ValuePath(segments);
        }

        OptionalDouble numberIn(JsonNode root) {
            JsonNode node = root;
            for (String segment : segments) {
                node = node.isArray() ? indexed(node, segment).orElse(null) : node.get(segment);
                if (node == null) {
                    return OptionalDouble.empty();
                }
            }
            return node.isNumber() ? OptionalDouble.of(node.asDouble()) : OptionalDouble.empty();
        }

        private static Optional<JsonNode> indexed(JsonNode array, String segment) {
            try {
                return Optional.ofNullable(array.get(Integer.parseInt(segment)));
            } catch (NumberFormatException notAnIndex) {
                return Optional.empty();
            }
        }

        @Override
        public String toString() {
            return String.join(".", segments);
        }
    }
}

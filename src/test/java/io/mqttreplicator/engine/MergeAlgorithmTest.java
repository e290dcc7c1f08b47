package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttreplicator.engine.MergeAlgorithm.Candidate;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msgpack.jackson.dataformat.MessagePackFactory;

class MergeAlgorithmTest {

    private static final RandomGenerator RANDOM = new SplittableRandom(1);

    private static Candidate live(String broker, String payload, long sequence, boolean fresh) {
        return new Candidate(broker, bytes(payload), sequence, false, fresh);
    }

    private static Candidate replay(String broker, String payload, long sequence, boolean fresh) {
        return new Candidate(broker, bytes(payload), sequence, true, fresh);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String winner(String algorithm, Candidate... candidates) {
        return MergeAlgorithm.parse(algorithm).pick(List.of(candidates), RANDOM).broker();
    }

    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            lastwin                  | lastwin
            ""                       | lastwin
            "  biggest "             | biggest
            random                   | random
            jsonbiggest:temp.value   | jsonbiggest:temp.value
            jsonbiggest:readings[1]  | jsonbiggest:readings.1
            msgpackbiggest:value     | msgpackbiggest:value
            """)
    void parsesTheConfiguredNames(String text, String configName) {
        assertThat(MergeAlgorithm.parse(text).configName()).isEqualTo(configName);
    }

    @ParameterizedTest(name = "''{0}'' fails: {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            newest          | unknown merge algorithm 'newest'
            lastwin:value   | 'lastwin' takes no path
            biggest:value   | 'biggest' takes no path
            jsonbiggest     | 'jsonbiggest' needs a path
            jsonbiggest:    | 'jsonbiggest' needs a path
            msgpackbiggest:.. | 'msgpackbiggest' has an empty path
            """)
    void rejectsUnknownNamesAndMissingOrSuperfluousPaths(String text, String message) {
        assertThatThrownBy(() -> MergeAlgorithm.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void lastwinPrefersWhatArrivedSinceTheLastTick() {
        assertThat(winner("lastwin", live("a", "x", 1, true), live("b", "y", 9, false))).isEqualTo("a");
    }

    @Test
    void lastwinPrefersAFreshLiveWriteOverAFreshReplay() {
        assertThat(winner("lastwin", live("a", "x", 1, true), replay("b", "y", 9, true))).isEqualTo("a");
    }

    @Test
    void lastwinOtherwiseTakesTheLatestReceived() {
        assertThat(winner("lastwin", live("a", "x", 4, true), live("b", "y", 5, true), live("c", "z", 3, true))).isEqualTo("b");
        assertThat(winner("lastwin", replay("a", "x", 4, true), replay("b", "y", 2, true))).isEqualTo("a");
        assertThat(winner("lastwin", live("a", "x", 4, false), live("b", "y", 2, false))).isEqualTo("a");
    }

    @Test
    void biggestComparesBytesUnsigned() {
        Candidate low = new Candidate("a", new byte[] {0x7F}, 2, false, true);
        Candidate high = new Candidate("b", new byte[] {(byte) 0x80}, 1, false, false);
        assertThat(MergeAlgorithm.parse("biggest").pick(List.of(low, high), RANDOM).broker()).isEqualTo("b");
        assertThat(winner("biggest", live("a", "abd", 1, false), live("b", "abc", 2, true))).isEqualTo("a");
        assertThat(winner("biggest", live("a", "ab", 1, false), live("b", "abc", 2, true))).isEqualTo("b");
        assertThat(winner("biggest", live("a", "", 2, true), live("b", "0", 1, false))).isEqualTo("b");
    }

    @Test
    void jsonbiggestTakesTheBiggerNumberAtThePath() {
        assertThat(winner("jsonbiggest:temp.value",
                live("a", "{\"temp\":{\"value\":21.5}}", 2, true),
                live("b", "{\"temp\":{\"value\":22}}", 1, false))).isEqualTo("b");
        assertThat(winner("jsonbiggest:readings[1]",
                live("a", "{\"readings\":[100, 3]}", 1, false),
                live("b", "{\"readings\":[1, 4]}", 2, false))).isEqualTo("b");
    }

    @Test
    void jsonbiggestValuesWithoutANumberThereLose() {
        assertThat(winner("jsonbiggest:temp.value",
                live("a", "{\"temp\":{\"value\":\"99\"}}", 3, true),
                live("b", "not json at all", 4, true),
                live("c", "", 5, true),
                live("d", "{\"temp\":{\"value\":-5}}", 1, false))).isEqualTo("d");
    }

    @Test
    void jsonbiggestTiesAndNoNumbersFallBackToLastwin() {
        assertThat(winner("jsonbiggest:v",
                live("a", "{\"v\":7}", 3, false),
                live("b", "{\"v\":7.0, \"other\":1}", 2, true),
                live("c", "{\"v\":6}", 9, true))).isEqualTo("b");
        assertThat(winner("jsonbiggest:v", live("a", "{}", 3, true), live("b", "[]", 4, true))).isEqualTo("b");
    }

    @Test
    void msgpackbiggestReadsMessagePack() throws Exception {
        ObjectMapper msgpack = new ObjectMapper(new MessagePackFactory());
        Candidate small = new Candidate("a", msgpack.writeValueAsBytes(Map.of("value", 3)), 2, false, true);
        Candidate big = new Candidate("b", msgpack.writeValueAsBytes(Map.of("value", 40_000)), 1, false, false);
        Candidate json = live("c", "{\"value\":99999}", 3, true);

        assertThat(MergeAlgorithm.parse("msgpackbiggest:value").pick(List.of(small, big, json), RANDOM).broker()).isEqualTo("b");
    }

    @Test
    void randomDrawsOneOfTheCandidatesWithTheGivenGenerator() {
        RandomGenerator third = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public int nextInt(int bound) {
                return 2;
            }
        };
        List<Candidate> candidates = List.of(live("a", "x", 1, true), live("b", "y", 2, true), live("c", "z", 3, false));

        assertThat(MergeAlgorithm.parse("random").pick(candidates, third).broker()).isEqualTo("c");
        assertThat(MergeAlgorithm.parse("random").pick(candidates, RANDOM)).isIn(candidates);
    }
}

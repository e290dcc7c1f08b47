package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.engine.StateTable.TopicState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TopicIndexTest {

    private static TopicState state(String topic) {
        return new TopicState(topic, null, 2);
    }

    @Test
    void findsEveryTopicAddedAndNoneRemovedThroughGrowingAndShrinking() {
        TopicIndex index = new TopicIndex();
        List<TopicState> added = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            TopicState state = state("s/" + i);
            index.add(state);
            added.add(state);
        }
        SplittableRandom random = new SplittableRandom(7);
        List<TopicState> kept = new ArrayList<>();
        List<TopicState> removed = new ArrayList<>();
        added.forEach(state -> (random.nextInt(10) < 9 ? removed : kept).add(state));
        index.removeIf(removed::contains);

        assertThat(index.size()).isEqualTo(kept.size());
        kept.forEach(state -> assertThat(index.get(state.topic)).isSameAs(state));
        removed.forEach(state -> assertThat(index.get(state.topic)).isNull());
    }

    @Test
    void keepsTopicsWithEqualHashCodesApartAndFindsThemAfterRemovalsInTheirRun() {
        // "Aa" and "BB" share a hash code, so these topics share one home slot
        List<String> topics = List.of("AaAa", "AaBB", "BBAa", "BBBB", "AaAaAa", "x");
        TopicIndex index = new TopicIndex();
        topics.forEach(topic -> index.add(state(topic)));

        index.removeIf(state -> state.topic.equals("AaAa") || state.topic.equals("BBAa"));

        assertThat(index.size()).isEqualTo(4);
        for (String topic : List.of("AaBB", "BBBB", "AaAaAa", "x")) {
            assertThat(index.get(topic)).as(topic).isNotNull();
            assertThat(index.get(topic).topic).isEqualTo(topic);
        }
        assertThat(index.get("AaAa")).isNull();
        assertThat(index.get("BBAa")).isNull();
    }
}

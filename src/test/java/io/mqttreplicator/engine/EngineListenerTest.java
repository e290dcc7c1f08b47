package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.engine.EngineListener.DropReason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineListenerTest {

    @Test
    void allCallsEveryListenerInOrder() {
        List<String> calls = new ArrayList<>();
        EngineListener first = new EngineListener() {
            @Override
            public void dropped(String broker, String rule, DropReason reason) {
                calls.add("first " + broker + " " + rule + " " + reason);
            }
        };
        EngineListener second = new EngineListener() {
            @Override
            public void dropped(String broker, String rule, DropReason reason) {
                calls.add("second " + broker + " " + rule + " " + reason);
            }
        };

        EngineListener.all(List.of(first, EngineListener.NONE, second)).dropped("a", "r", DropReason.ECHO);

        assertThat(calls).containsExactly("first a r ECHO", "second a r ECHO");
    }

    @Test
    void allPassesOnTheSamplesByBrokerAndRule() {
        List<String> calls = new ArrayList<>();
        EngineListener recorder = new EngineListener() {
            @Override
            public void cachedTopics(String rule, int count) {
                calls.add("topics " + rule + " " + count);
            }

            @Override
            public void inFlight(String broker, int count) {
                calls.add("in flight " + broker + " " + count);
            }
        };
        EngineListener both = EngineListener.all(List.of(recorder, recorder));

        both.cachedTopics("r", 3);
        both.inFlight("a", 2);

        assertThat(calls).containsExactly("topics r 3", "topics r 3", "in flight a 2", "in flight a 2");
    }

    @Test
    void allOfOneListenerIsThatListener() {
        EngineListener only = new EngineListener() {
        };

        assertThat(EngineListener.all(List.of(EngineListener.NONE, only))).isSameAs(only);
        assertThat(EngineListener.all(List.of())).isSameAs(EngineListener.NONE);
    }
}

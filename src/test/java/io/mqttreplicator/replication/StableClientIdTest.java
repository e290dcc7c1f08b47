package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StableClientIdTest {

    private static final String FORMAT = "[a-z0-9_-]+_[a-z]+_[a-z]+_[a-z]+_mqttreplicator_[a-z0-9]{10}";

    @Test
    void hasTheMqttReplicatorFormatInLowerCase() {
        String id = StableClientId.generate("BROKEROSLO", "replication-1");

        assertThat(id).matches(FORMAT).startsWith("brokeroslo_").contains("_mqttreplicator_");
        assertThat(id.split("_")).hasSize(6);
    }

    @Test
    void isTheSameForTheSameBrokerAndReplication() {
        assertThat(StableClientId.generate("oslo", "replication-1"))
                .isEqualTo(StableClientId.generate("oslo", "replication-1"));
    }

    @Test
    void differsBetweenReplicationsAndBetweenBrokers() {
        String id = StableClientId.generate("oslo", "replication-1");

        assertThat(StableClientId.generate("oslo", "replication-2")).isNotEqualTo(id);
        assertThat(StableClientId.generate("paris", "replication-1")).isNotEqualTo(id);
    }

    @Test
    void drawsDifferentWordsAndIdsForManyReplications() {
        Set<String> suffixes = new HashSet<>();
        Set<String> words = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = StableClientId.generate("oslo", "replication-" + i);
            assertThat(id).matches(FORMAT);
            String[] parts = id.split("_");
            assertThat(parts[1]).isNotEqualTo(parts[2]);
            words.add(parts[1] + "_" + parts[2] + "_" + parts[3]);
            suffixes.add(parts[5]);
        }
        assertThat(suffixes).hasSize(1000);
        assertThat(words.size()).isGreaterThan(900);
    }

    @Test
    void sanitizesAndTruncatesTheNameToStayWithin65Characters() {
        String id = StableClientId.generate("Site.Bærum/Broker Number One With A Very Long Name Indeed", "r");

        assertThat(id).matches(FORMAT).hasSizeLessThanOrEqualTo(StableClientId.MAX_LENGTH);
        assertThat(id).startsWith("site_b_rum_b");
    }

    @Test
    void truncatedNamesStillGetDifferentIds() {
        String prefix = "x".repeat(80);

        assertThat(StableClientId.generate(prefix + "a", "r")).isNotEqualTo(StableClientId.generate(prefix + "b", "r"));
    }

    @Test
    void anEmptyNameBecomesBroker() {
        assertThat(StableClientId.generate("", "r")).startsWith("broker_").matches(FORMAT);
    }
}

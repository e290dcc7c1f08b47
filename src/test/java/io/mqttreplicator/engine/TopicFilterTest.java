package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicFilterTest {

    @ParameterizedTest(name = "{0} matches ''{1}'': {2}")
    @CsvSource(delimiter = '|', commentCharacter = '%', textBlock = """
            sport/tennis/player1   | sport/tennis/player1          | true
            sport/tennis/player1   | sport/tennis/player2          | false
            sport/tennis/player1   | sport/tennis/player1/ranking  | false
            sport/tennis/player1   | sport/tennis                  | false
            sport/tennis/player1/# | sport/tennis/player1          | true
            sport/tennis/player1/# | sport/tennis/player1/ranking  | true
            sport/tennis/player1/# | sport/tennis/player1/score/wimbledon | true
            sport/#                | sport                         | true
            sport/#                | sports                        | false
            sport/#                | sport/                        | true
            #                      | anything/at/all               | true
            #                      | /leading/slash                | true
            sport/tennis/+         | sport/tennis/player1          | true
            sport/tennis/+         | sport/tennis/player1/ranking  | false
            sport/+                | sport                         | false
            sport/+                | sport/                        | true
            +/+                    | /finance                      | true
            /+                     | /finance                      | true
            +                      | /finance                      | false
            +                      | finance                       | true
            +/tennis/#             | sport/tennis/player1          | true
            +/tennis/#             | sport/golf                    | false
            sport/+/player1        | sport/tennis/player1          | true
            sport/+/player1        | sport/tennis/player2          | false
            a//b                   | a//b                          | true
            a/+/b                  | a//b                          | true
            #                      | $SYS/broker/uptime            | false
            +/monitor/Clients      | $SYS/monitor/Clients          | false
            $SYS/#                 | $SYS/monitor/Clients          | true
            $SYS/monitor/+         | $SYS/monitor/Clients          | true
            ACCOUNTS               | Accounts                      | false
            """)
    void matchesAsTheMqttSpecificationSays(String filter, String topic, boolean expected) {
        assertThat(TopicFilter.parse(filter).matches(topic)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "#/a", "a/b+/c"})
    void rejectsMalformedFilters(String filter) {
        assertThatThrownBy(() -> TopicFilter.parse(filter)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} covers {1}: {2}")
    @CsvSource(delimiter = '|', commentCharacter = '%', textBlock = """
            a/#     | a           | true
            a/#     | a/b/c       | true
            a/#     | a/+         | true
            a/#     | a/#         | true
            a/+     | a/#         | false
            a/+     | a/b         | true
            a/b     | a/+         | false
            +/#     | a/+/c       | true
            #       | $SYS/#      | false
            a/+/c   | a/b/+       | false
            a/b     | a/b/c       | false
            """)
    void coversFiltersWhoseTopicsItAlsoMatches(String filter, String other, boolean expected) {
        assertThat(TopicFilter.parse(filter).covers(TopicFilter.parse(other))).isEqualTo(expected);
    }

    @Test
    void ordersTheMostSpecificFilterFirst() {
        List<String> ordered = Stream.of("#", "a/#", "+/b", "a/+", "a/b/#", "a/b", "+/+")
                .map(TopicFilter::parse)
                .sorted(TopicFilter.MOST_SPECIFIC_FIRST)
                .map(TopicFilter::filter)
                .toList();

        // For topic a/b every one matches; the first in this order is the one that applies.
        assertThat(ordered).containsExactly("a/b", "a/b/#", "a/+", "a/#", "+/b", "+/+", "#");
    }
}

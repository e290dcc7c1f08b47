package io.mqttreplicator.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/configuration.md's table names exactly the variables the parser reads. */
class ConfigurationDocsTest {

    private static final Pattern VARIABLE = Pattern.compile("^\\| `(MQTT(?:REP|_REPLICATOR)_[A-Z_]+?)(?:_\\{(?:name|id)\\})?`");

    @Test
    void theTableListsEveryVariableAndNoOther() throws IOException {
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("docs", "configuration.md"))) {
            Matcher variable = VARIABLE.matcher(line);
            if (variable.find()) {
                documented.add(variable.group(1));
            }
        }

        List<String> read = new ArrayList<>(List.of(strip(BrokerVariables.CLIENT), strip(BrokerVariables.CONFIG),
                strip(TopicVariables.TOPIC), MqttrepEnvironment.MERGE_FREQUENCY, MqttrepEnvironment.INSTANCE));
        for (TopicVariables.Setting setting : TopicVariables.Setting.values()) {
            if (setting != TopicVariables.Setting.PULISH_BLACKLIST) { // named in the PUBLISH_BLACKLIST row
                read.add(strip(setting.prefix));
            }
        }

        assertThat(documented).containsExactlyInAnyOrderElementsOf(read);
        assertThat(Files.readString(Path.of("docs", "configuration.md")))
                .contains("MQTTREP_PULISH_BLACKLIST_{id}", MqttrepEnvironment.LEGACY_MERGE_FREQUENCY);
    }

    private static String strip(String prefix) {
        return prefix.substring(0, prefix.length() - 1);
    }
}

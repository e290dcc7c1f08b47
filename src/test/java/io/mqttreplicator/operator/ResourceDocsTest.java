package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/resource.md's field table names every field of the spec, its brokers and its topic rules. */
class ResourceDocsTest {

    @Test
    void theTableNamesEveryFieldOfTheSpec() throws IOException {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(Path.of("k8s", "01-crd.yaml")),
                CustomResourceDefinition.class);
        JSONSchemaProps spec = crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().get("spec");
        List<String> cells = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("docs", "resource.md"))) {
            if (line.startsWith("| `")) {
                cells.add(line.substring(2, line.indexOf(" |", 2)));
            }
        }

        List<String> missing = new ArrayList<>();
        spec.getProperties().keySet().forEach(field -> check(cells, "`spec." + field, missing));
        for (String list : List.of("brokers", "topics")) {
            spec.getProperties().get(list).getItems().getSchema().getProperties().keySet()
                    .forEach(field -> check(cells, "`." + field, missing));
        }
        assertThat(missing).as("fields missing from docs/resource.md").isEmpty();
    }

    private static void check(List<String> cells, String field, List<String> missing) {
        if (cells.stream().noneMatch(cell -> cell.contains(field))) {
            missing.add(field.substring(1));
        }
    }
}

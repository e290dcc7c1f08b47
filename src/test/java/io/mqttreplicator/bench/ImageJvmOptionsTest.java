package io.mqttreplicator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The benchmark measures the replicator as shipped: its default JVM options are the image's and the
 * Deployment's, so a change to either shows here instead of leaving the published figures about
 * another configuration.
 */
class ImageJvmOptionsTest {

    private static final Pattern ENV_LINE = Pattern.compile("^ENV (\\w+)=(?:\"([^\"]*)\"|(\\S+))\\s*$");
    private static final long MIB = 1024 * 1024;

    private final List<String> benchmark = Arrays.asList(BenchOptions.IMAGE_JVM_OPTIONS.split(" "));

    @Test
    void theHeapFollowsTheDeploymentsMemoryLimitAndTheImagesRatios() throws IOException {
        Container container = deploymentContainer();
        Map<String, String> environment = environment(container);
        Quantity limit = container.getResources().getLimits().get("memory");

        assertThat(benchmark).contains(
                "-XX:MaxRAM=" + limit.getNumericalAmount().longValue() / MIB + "m",
                // run-java.sh passes the whole number part of the ratio
                "-XX:MaxRAMPercentage=" + (int) Double.parseDouble(environment.get("JAVA_MAX_MEM_RATIO")) + ".0");
    }

    @Test
    void theCollectorAndEveryOptionTheImageAppendsAreThere() throws IOException {
        Map<String, String> environment = environment(deploymentContainer());

        assertThat(benchmark).containsAll(Arrays.asList(environment.get("GC_CONTAINER_OPTIONS").split("\\s+")));
        List<String> appended = Arrays.stream(environment.get("JAVA_OPTS_APPEND").split("\\s+"))
                .filter(option -> option.startsWith("-XX:"))
                .toList();
        assertThat(appended).contains("-XX:TieredStopAtLevel=1", "-XX:InitialRAMPercentage=25");
        assertThat(benchmark).containsAll(appended);
    }

    /** The image's ENV, overridden by the Deployment's env. */
    private static Map<String, String> environment(Container container) throws IOException {
        Map<String, String> environment = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("src", "main", "docker", "Dockerfile.jvm"))) {
            Matcher env = ENV_LINE.matcher(line);
            if (env.matches()) {
                environment.put(env.group(1), env.group(2) != null ? env.group(2) : env.group(3));
            }
        }
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValue() != null) {
                environment.put(variable.getName(), variable.getValue());
            }
        }
        return environment;
    }

    private static Container deploymentContainer() throws IOException {
        Deployment deployment = new KubernetesSerialization()
                .unmarshal(Files.readString(Path.of("k8s", "04-deployment.yaml")), Deployment.class);
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    }
}

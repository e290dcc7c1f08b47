package io.mqttreplicator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.container.DeploymentRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The benchmark measures the replicator as shipped: its JVM options are the image's JAVA_OPTS under
 * the Deployment's memory limit, so a change to either shows here instead of leaving the published
 * figures about another configuration.
 */
class ImageJvmOptionsTest {

    private static final Pattern JAVA_OPTS = Pattern.compile("^ENV JAVA_OPTS=\"([^\"]*)\"\\s*$", Pattern.MULTILINE);
    private static final long MIB = 1024 * 1024;

    private static final DeploymentRuntime DEPLOYMENT = DeploymentRuntime.fromManifest();

    private final List<String> benchmark = Arrays.asList(BenchOptions.IMAGE_JVM_OPTIONS.split(" "));

    @Test
    void theBenchmarkRunsWithEveryOptionOfTheImageAndTheDeploymentsMemoryLimit() throws IOException {
        long limit = DEPLOYMENT.memoryLimit();
        List<String> image = imageJavaOptions();

        assertThat(image).contains("-XX:MaxRAMPercentage=50", "-XX:InitialRAMPercentage=25", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1");
        assertThat(benchmark).containsExactlyInAnyOrderElementsOf(concat("-XX:MaxRAM=" + limit / MIB + "m", image));
    }

    @Test
    void theDeploymentLeavesTheImagesOptionsAlone() throws IOException {
        assertThat(DEPLOYMENT.environment("pod")).allSatisfy((name, value) -> assertThat(name).doesNotStartWith("JAVA_OPTS"));
    }

    /** The options the image's entrypoint gives the JVM unless JAVA_OPTS is set. */
    static List<String> imageJavaOptions() throws IOException {
        Matcher matcher = JAVA_OPTS.matcher(Files.readString(Path.of("src", "main", "docker", "Dockerfile.jvm")));
        assertThat(matcher.find()).as("ENV JAVA_OPTS in Dockerfile.jvm").isTrue();
        return Arrays.asList(matcher.group(1).trim().split("\\s+"));
    }

    private static List<String> concat(String first, List<String> rest) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(first), rest.stream()).toList();
    }
}

package io.mqttreplicator.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The images and the Deployment agree: the port the Deployment's probes and Prometheus use is the
 * one the images expose, the JVM image runs as the Deployment's user, it writes only where the
 * Deployment gives it a writable volume, and its build context holds what its Dockerfile copies.
 * The container tests ({@code ReplicatorImageIT}, {@code OperatorImageIT}) run the image with the
 * Deployment's settings, read from the manifest.
 */
class ImageManifestTest {

    private static final Path DOCKER = Path.of("src", "main", "docker");
    private static final DeploymentRuntime DEPLOYMENT = DeploymentRuntime.fromManifest();

    @Test
    void bothImagesExposeTheDeploymentsHttpPort() throws IOException {
        assertThat(instruction("Dockerfile.jvm", "EXPOSE")).containsExactly(String.valueOf(DEPLOYMENT.httpPort()));
        assertThat(instruction("Dockerfile.native", "EXPOSE")).containsExactly(String.valueOf(DEPLOYMENT.httpPort()));
    }

    @Test
    void theJvmImageRunsAsTheDeploymentsUserWhoOwnsItsFiles() throws IOException {
        String user = String.valueOf(DEPLOYMENT.user());
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile.jvm"));
        assertThat(instruction("Dockerfile.jvm", "USER")).containsExactly(user);
        assertThat(dockerfile).contains("useradd --system --uid " + user + " ");
        assertThat(instruction("Dockerfile.jvm", "COPY")).filteredOn(copy -> copy.startsWith("--chown"))
                .isNotEmpty().allMatch(copy -> copy.startsWith("--chown=" + user + ":"));
    }

    @Test
    void theJvmWritesOnlyToTheDeploymentsWritableVolume() throws IOException {
        assertThat(DEPLOYMENT.readOnlyRoot()).isTrue();
        // the JVM's perf data and Vert.x's file cache go to java.io.tmpdir, /tmp unless the options move it
        assertThat(DEPLOYMENT.tmpfs()).containsOnlyKeys("/tmp");
        assertThat(String.join(" ", instruction("Dockerfile.jvm", "ENV"))).doesNotContain("java.io.tmpdir");
        assertThat(Files.readString(DOCKER.resolve("entrypoint.sh"))).doesNotContain("java.io.tmpdir");
    }

    @Test
    void theBuildContextHoldsTheEntrypointAndItIsExecutable() throws IOException {
        assertThat(Files.readAllLines(Path.of(".dockerignore"))).contains("!src/main/docker/entrypoint.sh");
        assertThat(Files.isExecutable(DOCKER.resolve("entrypoint.sh"))).isTrue();
        assertThat(instruction("Dockerfile.jvm", "ENTRYPOINT")).containsExactly("[ \"/deployments/entrypoint.sh\" ]");
    }

    /** The arguments of every {@code keyword} line of a Dockerfile. */
    private static List<String> instruction(String dockerfile, String keyword) throws IOException {
        Pattern line = Pattern.compile("^" + keyword + "\\s+(.*)$");
        return Files.readAllLines(DOCKER.resolve(dockerfile)).stream().map(line::matcher).filter(Matcher::matches)
                .map(matcher -> matcher.group(1).trim()).toList();
    }
}

package io.mqttreplicator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * The images the container tests run, built from this checkout by
 * {@code src/main/docker/build-local.sh --with-mosquitto} once per test JVM: {@link #REPLICATOR}
 * from {@code Dockerfile.jvm} and the packaged application, on a Java base made from Debian
 * packages, and {@link #MOSQUITTO}. Nothing is pulled from a registry.
 *
 * <p>Without a Docker engine the container tests are skipped, except in CI ({@code CI=true}), where
 * {@code .ci/run} starts one and a missing engine fails them.
 */
public final class LocalImages {

    public static final String REPLICATOR = "mqtt-replicator:local";
    public static final String MOSQUITTO = "mqtt-replicator-mosquitto:local";
    private static final Path BUILD_SCRIPT = Paths.get("src", "main", "docker", "build-local.sh");
    private static final Path BUILD_LOG = Paths.get("target", "build-local.log");

    private static boolean built;

    private LocalImages() {
    }

    /** Builds the images unless done already; skips the calling test without a Docker engine outside CI. */
    public static synchronized void require() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            if ("true".equals(System.getenv("CI"))) {
                fail("No Docker engine answers, and CI runs the container tests (.ci/run starts dockerd)");
            }
            Assumptions.abort("No Docker engine: the container tests are skipped (CI runs them)");
        }
        if (!built) {
            build();
            built = true;
        }
    }

    private static void build() {
        assertThat(ReplicatorProgram.JAR).as("built by ./mvnw package").exists();
        try {
            Files.createDirectories(BUILD_LOG.getParent());
            Process process = new ProcessBuilder(BUILD_SCRIPT.toAbsolutePath().toString(), "--with-mosquitto")
                    .redirectErrorStream(true).redirectOutput(BUILD_LOG.toFile()).start();
            if (!process.waitFor(15, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("build-local.sh took more than 15 minutes; its output is in " + BUILD_LOG);
            }
            assertThat(process.exitValue()).as("build-local.sh; its output:%n%s", Files.readString(BUILD_LOG)).isZero();
        } catch (IOException e) {
            throw new IllegalStateException("Could not run " + BUILD_SCRIPT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

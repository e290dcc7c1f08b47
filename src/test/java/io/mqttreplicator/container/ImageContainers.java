package io.mqttreplicator.container;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.mqttreplicator.testing.LocalImages;
import io.mqttreplicator.testing.PrometheusScrape;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The parts the image tests share: Mosquitto containers on a network, published on a fixed port
 * of 127.0.0.1 only (kept across a restart of the container), and what a user reads off a running
 * replicator container: its health endpoints, its metrics and its memory.
 */
public final class ImageContainers {

    public static final int MQTT_PORT = 1883;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ImageContainers() {
    }

    /** A Mosquitto container named {@code alias} on {@code network}, published on 127.0.0.1:{@code hostPort}. */
    public static GenericContainer<?> mosquitto(Network network, String alias, int hostPort) {
        return new GenericContainer<>(DockerImageName.parse(LocalImages.MOSQUITTO))
                .withNetwork(network)
                .withNetworkAliases(alias)
                .withExposedPorts(MQTT_PORT)
                .withCreateContainerCmdModifier(command -> command.getHostConfig()
                        .withPublishAllPorts(false)
                        .withPortBindings(loopbackBinding(hostPort, MQTT_PORT)))
                .waitingFor(Wait.forLogMessage(".*mosquitto version \\S+ running.*\\n", 1).withStartupTimeout(Duration.ofSeconds(30)));
    }

    /** {@code containerPort} published on 127.0.0.1:{@code hostPort}, not on every interface of the machine. */
    public static PortBinding loopbackBinding(int hostPort, int containerPort) {
        return new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1", hostPort), ExposedPort.tcp(containerPort));
    }

    public static HttpResponse<String> get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " on port " + port + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The most memory the container used so far, as its cgroup counts it (v1, else v2). */
    public static long peakMemory(GenericContainer<?> container) throws IOException, InterruptedException {
        ExecResult result = container.execInContainer("sh", "-c",
                "cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.peak");
        assertThat(result.getExitCode()).as("reading the cgroup's memory: %s", result.getStderr()).isZero();
        return Long.parseLong(result.getStdout().trim());
    }

    /** The JVM's heap bound, the sum of its heap pools' maximums in the program's metrics. */
    public static double maxHeap(int httpPort) {
        PrometheusScrape metrics = PrometheusScrape.parse(get(httpPort, "/q/metrics").body());
        List<PrometheusScrape.Sample> heap = metrics.samples().stream()
                .filter(sample -> sample.name().equals("jvm_memory_max_bytes") && "heap".equals(sample.labels().get("area")))
                .toList();
        assertThat(heap).as("heap pools in the metrics").isNotEmpty();
        return heap.stream().mapToDouble(PrometheusScrape.Sample::value).sum();
    }
}

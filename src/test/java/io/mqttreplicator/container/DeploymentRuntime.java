package io.mqttreplicator.container;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.Capability;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the Deployment ({@code k8s/04-deployment.yaml}) runs the replicator's container, as Docker
 * runs it: its user, a read-only root file system with each {@code emptyDir} mount as a tmpfs of its
 * size limit, its capabilities dropped, no privilege escalation, its memory and CPU limits, and the
 * grace period between SIGTERM and SIGKILL. Docker's default seccomp profile is the runtime's
 * default, as {@code RuntimeDefault} asks. The container tests derive their {@code docker run} from
 * the manifest, so a change to it is what they test.
 */
public record DeploymentRuntime(Container container, long user, boolean readOnlyRoot, Map<String, String> tmpfs,
        List<String> droppedCapabilities, boolean noNewPrivileges, long memoryLimit, long nanoCpus,
        Duration gracePeriod) {

    /** Kubernetes' default {@code terminationGracePeriodSeconds}. */
    private static final long DEFAULT_GRACE_SECONDS = 30;

    public static DeploymentRuntime fromManifest() {
        PodSpec pod = deployment().getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        SecurityContext security = container.getSecurityContext();
        Map<String, String> tmpfs = new LinkedHashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            if (volume.getEmptyDir() == null) {
                throw new IllegalStateException("The container tests know emptyDir volumes only, not " + volume);
            }
            Quantity size = volume.getEmptyDir().getSizeLimit();
            tmpfs.put(mount.getMountPath(), "rw" + (size == null ? "" : ",size=" + size.getNumericalAmount().longValue()));
        }
        Map<String, Quantity> limits = container.getResources().getLimits();
        long grace = pod.getTerminationGracePeriodSeconds() == null ? DEFAULT_GRACE_SECONDS : pod.getTerminationGracePeriodSeconds();
        return new DeploymentRuntime(container, security.getRunAsUser(), Boolean.TRUE.equals(security.getReadOnlyRootFilesystem()),
                tmpfs, security.getCapabilities().getDrop(), Boolean.FALSE.equals(security.getAllowPrivilegeEscalation()),
                limits.get("memory").getNumericalAmount().longValue(),
                limits.get("cpu").getNumericalAmount().movePointRight(9).longValueExact(), Duration.ofSeconds(grace));
    }

    /** The container's HTTP port, named {@code http}, which the probes and Prometheus use. */
    public int httpPort() {
        return container.getPorts().stream().filter(port -> "http".equals(port.getName())).findFirst().orElseThrow()
                .getContainerPort();
    }

    /** The Deployment's environment, with {@code POD_NAME} (from the downward API) set to {@code podName}. */
    public Map<String, String> environment(String podName) {
        Map<String, String> environment = new LinkedHashMap<>();
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValue() != null) {
                environment.put(variable.getName(), variable.getValue());
            } else if ("metadata.name".equals(variable.getValueFrom().getFieldRef().getFieldPath())) {
                environment.put(variable.getName(), podName);
            } else {
                throw new IllegalStateException("The container tests do not know where " + variable.getName() + " comes from");
            }
        }
        return environment;
    }

    /** Runs the container as the Deployment does. */
    public void applyTo(CreateContainerCmd command) {
        List<String> securityOptions = noNewPrivileges ? List.of("no-new-privileges") : List.of();
        command.withUser(String.valueOf(user));
        command.getHostConfig()
                .withReadonlyRootfs(readOnlyRoot)
                .withTmpFs(tmpfs)
                .withCapDrop(droppedCapabilities.stream().map(Capability::valueOf).toArray(Capability[]::new))
                .withSecurityOpts(securityOptions)
                .withMemory(memoryLimit)
                .withMemorySwap(memoryLimit)
                .withNanoCPUs(nanoCpus);
    }

    private static Deployment deployment() {
        try {
            return new KubernetesSerialization().unmarshal(Files.readString(Path.of("k8s", "04-deployment.yaml")), Deployment.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.mqttreplicator.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mqttreplicator.RuntimeMode;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.ReplicationMode;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.operator.ReplicationTranslator.Translation;
import io.mqttreplicator.operator.ReplicationTranslator.Valid;
import io.mqttreplicator.operator.api.v1alpha1.MqttReplication;
import io.mqttreplicator.replication.ReplicationDefinition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;

/**
 * The manifests users install with {@code kubectl apply -k k8s/} and the examples they start
 * from: each parses, the Role grants what the operator does and nothing more, the Deployment runs
 * the operator hardened and probed on the service's health endpoints, and each example is a valid
 * replication. There is no API server here, so the API server's part (defaults aside) is done by
 * the test: CEL rules and stringData.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final Path EXAMPLES = K8S.resolve("examples");
    private static final String NAMESPACE = "mqtt-replicator";
    private static final String GROUP = HasMetadata.getGroup(MqttReplication.class);
    private static final String PLURAL = HasMetadata.getPlural(MqttReplication.class);
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.USE_LONG_FOR_INTS);

    @Test
    void everyManifestAndExampleParsesAsKubernetesObjects() throws IOException {
        List<Path> files = new ArrayList<>(manifestFiles());
        files.addAll(exampleFiles());
        assertThat(files).hasSizeGreaterThanOrEqualTo(9);
        for (Path file : files) {
            List<Map<String, Object>> documents = documents(file);
            assertThat(documents).as(file.toString()).isNotEmpty();
            for (Map<String, Object> document : documents) {
                assertThat(document).as(file.toString()).containsKeys("apiVersion", "kind", "metadata");
                HasMetadata object = SERIALIZATION.convertValue(document, HasMetadata.class);
                assertThat(object.getMetadata().getName()).as(file.toString()).isNotBlank();
            }
        }
    }

    @Test
    void manifestsAreNumberedOneKindPerFileInTheOperatorsNamespace() throws IOException {
        Map<String, String> kinds = new HashMap<>();
        for (Path file : manifestFiles()) {
            assertThat(file.getFileName().toString()).matches("\\d\\d-[a-z]+\\.yaml");
            List<Map<String, Object>> documents = documents(file);
            assertThat(documents).as(file.toString()).hasSize(1);
            HasMetadata object = SERIALIZATION.convertValue(documents.get(0), HasMetadata.class);
            kinds.put(file.getFileName().toString(), object.getKind());
            if (!object.getKind().equals("Namespace") && !object.getKind().equals("CustomResourceDefinition")) {
                assertThat(object.getMetadata().getNamespace()).as(file.toString()).isEqualTo(NAMESPACE);
            }
        }
        assertThat(kinds).containsEntry("00-namespace.yaml", "Namespace")
                .containsEntry("01-crd.yaml", "CustomResourceDefinition")
                .containsEntry("02-serviceaccount.yaml", "ServiceAccount")
                .containsEntry("03-role.yaml", "Role")
                .containsEntry("03-rolebinding.yaml", "RoleBinding")
                .containsEntry("04-deployment.yaml", "Deployment")
                .containsEntry("05-service.yaml", "Service");
        assertThat(load("00-namespace.yaml", Namespace.class).getMetadata().getName()).isEqualTo(NAMESPACE);
    }

    @Test
    void kustomizationListsEveryManifest() throws IOException {
        Map<String, Object> kustomization = documents(K8S.resolve("kustomization.yaml")).get(0);
        assertThat(kustomization).containsEntry("kind", "Kustomization");
        List<String> expected = manifestFiles().stream().map(file -> file.getFileName().toString()).toList();
        assertThat(kustomization.get("resources")).as("resources, in order").isEqualTo(expected);
    }

    @Test
    void theRoleHasNoWildcards() {
        for (PolicyRule rule : role().getRules()) {
            for (List<String> values : List.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs(), rule.getResourceNames())) {
                assertThat(values).as("rule %s", rule).noneMatch(value -> value.contains("*"));
            }
            assertThat(rule.getNonResourceURLs()).as("a Role has no URLs").isEmpty();
        }
    }

    @Test
    void everyRuleOfTheRoleIsExplainedByTheCommentBeforeIt() throws IOException {
        List<String> lines = Files.readAllLines(K8S.resolve("03-role.yaml"));
        int rules = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("- apiGroups:")) {
                rules++;
                assertThat(lines.get(i - 1).trim()).as("the line before rule %d (line %d)", rules, i + 1).startsWith("#");
            }
        }
        assertThat(rules).as("every rule starts with '- apiGroups:'").isEqualTo(role().getRules().size());
    }

    @Test
    void theRoleGrantsWhatTheOperatorDoes() {
        Role role = role();
        // JOSDK's informer of the resource, its finalizer patch and the re-read after a conflict
        assertThat(verbs(role, GROUP, PLURAL, null)).containsExactlyInAnyOrder("get", "list", "watch", "patch");
        assertThat(verbs(role, GROUP, PLURAL + "/status", null)).containsExactly("patch");
        assertThat(verbs(role, GROUP, PLURAL + "/finalizers", null)).containsExactly("update");
        // the Secret informer; the reconciler reads its cache
        assertThat(verbs(role, "", "secrets", null)).containsExactlyInAnyOrder("list", "watch");
        // KubernetesEvents creates core v1 Events
        assertThat(verbs(role, "", "events", null)).containsExactly("create");
        assertThat(verbs(role, "events.k8s.io", "events", null)).isEmpty();
        // fabric8's LeaseLock gets, creates and merge-patches the Lease
        assertThat(verbs(role, "coordination.k8s.io", "leases", OperatorRunner.LEASE_NAME))
                .contains("get", "create", "patch");
        assertThat(verbs(role, "coordination.k8s.io", "leases", "another-lease")).containsExactly("create");
    }

    /** JOSDK's LeaderElectionManager refuses to start unless the rules on its Lease name these verbs. */
    @Test
    void theRolePassesJosdksLeaseAccessCheck() {
        Set<String> allowed = new LinkedHashSet<>();
        for (PolicyRule rule : role().getRules()) {
            if (rule.getApiGroups().contains("coordination.k8s.io") && rule.getResources().contains("leases")
                    && (rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(OperatorRunner.LEASE_NAME))) {
                allowed.addAll(rule.getVerbs());
            }
        }
        assertThat(allowed).contains("create", "update", "get");
    }

    @Test
    void theRoleBindingBindsTheRoleToTheServiceAccountTheDeploymentUses() {
        RoleBinding binding = load("03-rolebinding.yaml", RoleBinding.class);
        ServiceAccount account = load("02-serviceaccount.yaml", ServiceAccount.class);
        assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
        assertThat(binding.getRoleRef().getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
        assertThat(binding.getRoleRef().getName()).isEqualTo(role().getMetadata().getName());
        assertThat(binding.getSubjects()).singleElement().satisfies(subject -> {
            assertThat(subject.getKind()).isEqualTo("ServiceAccount");
            assertThat(subject.getName()).isEqualTo(account.getMetadata().getName());
            assertThat(subject.getNamespace()).isEqualTo(account.getMetadata().getNamespace());
        });
        assertThat(deployment().getSpec().getTemplate().getSpec().getServiceAccountName())
                .isEqualTo(account.getMetadata().getName());
    }

    @Test
    void theDeploymentRunsTwoOperatorReplicasOfThisVersion() throws Exception {
        Deployment deployment = deployment();
        assertThat(deployment.getSpec().getReplicas()).as("a leader and a standby").isEqualTo(2);
        Container container = container();
        String mode = environment(container).get("MQTT_REPLICATOR_MODE");
        assertThat(mode).isNotNull();
        assertThat(RuntimeMode.valueOf(mode.toUpperCase(Locale.ROOT))).isEqualTo(RuntimeMode.OPERATOR);
        assertThat(container.getImage()).isEqualTo("ghcr.io/mqtt-replicator/mqtt-replicator:" + projectVersion().replace("-SNAPSHOT", ""));
        assertThat(deployment.getSpec().getSelector().getMatchLabels())
                .isEqualTo(deployment.getSpec().getTemplate().getMetadata().getLabels());
    }

    @Test
    void eachReplicaHoldsTheLeaseUnderItsPodName() {
        EnvVar podName = container().getEnv().stream()
                .filter(variable -> variable.getName().equals("POD_NAME"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("the Deployment does not set POD_NAME"));
        assertThat(podName.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    }

    @Test
    void theDeploymentRunsNonRootWithAReadOnlyRootFileSystemAndNoPrivileges() {
        PodSecurityContext pod = deployment().getSpec().getTemplate().getSpec().getSecurityContext();
        SecurityContext security = container().getSecurityContext();
        assertThat(pod.getRunAsNonRoot()).isTrue();
        assertThat(pod.getRunAsUser()).isPositive();
        assertThat(pod.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getRunAsUser()).isPositive();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(security.getCapabilities().getAdd()).isEmpty();
        assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(security.getPrivileged()).isNotEqualTo(Boolean.TRUE);
        String tmpVolume = container().getVolumeMounts().stream().filter(mount -> mount.getMountPath().equals("/tmp"))
                .findFirst().orElseThrow().getName();
        assertThat(deployment().getSpec().getTemplate().getSpec().getVolumes())
                .filteredOn(volume -> volume.getName().equals(tmpVolume))
                .singleElement().satisfies(volume -> assertThat(volume.getEmptyDir()).isNotNull());
    }

    @Test
    void probesAskTheServicesHealthEndpointsOnItsHttpPort() throws IOException {
        Container container = container();
        assertProbe(container, container.getStartupProbe(), "/q/health/started");
        assertProbe(container, container.getLivenessProbe(), "/q/health/live");
        assertProbe(container, container.getReadinessProbe(), "/q/health/ready");
        // The paths and the port are Quarkus's defaults; prod binds all interfaces unless told otherwise.
        Map<String, String> properties = applicationProperties();
        assertThat(properties.keySet()).noneMatch(key -> key.contains("quarkus.http.port")
                || key.contains("quarkus.http.root-path") || key.contains("non-application-root-path")
                || key.contains("quarkus.smallrye-health.") || key.contains("quarkus.micrometer.export.prometheus.path"));
        assertThat(properties.keySet()).noneMatch(key -> key.equals("quarkus.http.host") || key.equals("%prod.quarkus.http.host"));
    }

    @Test
    void theDeploymentBoundsMemoryAndIsScrapedByPrometheus() {
        Container container = container();
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
        Map<String, String> annotations = deployment().getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/q/metrics")
                .containsEntry("prometheus.io/port", String.valueOf(httpPort(container)));
    }

    @Test
    void theServiceExposesTheMetricsPortOfTheOperatorPods() {
        Service service = load("05-service.yaml", Service.class);
        assertThat(service.getSpec().getSelector()).isEqualTo(deployment().getSpec().getSelector().getMatchLabels());
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http-metrics");
            assertThat(port.getPort()).isEqualTo(8080);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
        });
        assertThat(httpPort(container())).isEqualTo(8080);
    }

    @Test
    void theStateExampleIsAValidReplicationOfTwoBrokers() throws Exception {
        Example example = example("state-two-brokers.yaml");
        assertThat(example.secrets()).isEmpty();

        ReplicationDefinition definition = translate(example);

        assertThat(definition.brokers()).extracting(BrokerSettings::name).containsExactly("site-a", "site-b");
        assertThat(definition.rules()).isNotEmpty().extracting(TopicRule::mode).containsOnly(ReplicationMode.STATE);
    }

    @Test
    void theStreamExampleIsAValidReplicationOfThreeBrokersWithTheCredentialsOfItsSecret() throws Exception {
        Example example = example("stream-three-brokers.yaml");
        assertThat(example.secrets()).hasSize(1);

        ReplicationDefinition definition = translate(example);

        assertThat(definition.brokers()).extracting(BrokerSettings::name).containsExactly("factory", "office", "cloud");
        assertThat(definition.rules()).isNotEmpty().extracting(TopicRule::mode).containsOnly(ReplicationMode.STREAM);
        assertThat(definition.brokers()).allSatisfy(broker -> {
            assertThat(broker.credentials()).isPresent();
            assertThat(broker.credentials().get().username()).isEqualTo("replicator");
        });
    }

    @Test
    void examplesPassTheCrdsCelRules() throws Exception {
        for (Path file : exampleFiles()) {
            Map<String, Object> replication = documents(file).stream()
                    .filter(document -> "MqttReplication".equals(document.get("kind"))).findFirst().orElseThrow();
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) replication.get("spec");
            assertThat(CustomResourceDefinitionTest.failedCelRules(spec)).as(file.toString()).isEmpty();
        }
    }

    @Test
    void theCelCheckOfExamplesCanFail() throws Exception {
        Map<String, Object> replication = documents(EXAMPLES.resolve("state-two-brokers.yaml")).get(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = new HashMap<>((Map<String, Object>) replication.get("spec"));
        spec.put("topics", List.of(Map.of("filter", "x/#", "publishTo", Map.of("include", List.of("site-c")))));
        assertThat(CustomResourceDefinitionTest.failedCelRules(spec))
                .containsExactly("topics[].publishTo may only name brokers of spec.brokers");
    }

    private record Example(MqttReplication replication, Map<String, Secret> secrets) {
    }

    private static Example example(String name) throws IOException {
        MqttReplication replication = null;
        Map<String, Secret> secrets = new HashMap<>();
        for (Map<String, Object> document : documents(EXAMPLES.resolve(name))) {
            if ("Secret".equals(document.get("kind"))) {
                Secret secret = asStoredByTheApiServer(SERIALIZATION.convertValue(document, Secret.class));
                secrets.put(secret.getMetadata().getName(), secret);
            } else {
                assertThat(document).containsEntry("kind", "MqttReplication");
                assertThat(replication).as("one MqttReplication per example").isNull();
                replication = SERIALIZATION.convertValue(document, MqttReplication.class);
            }
        }
        assertThat(replication).isNotNull();
        assertThat(replication.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        return new Example(replication, secrets);
    }

    private static ReplicationDefinition translate(Example example) {
        Translation translation = ReplicationTranslator.translate(example.replication(),
                name -> Optional.ofNullable(example.secrets().get(name)));
        assertThat(translation).isInstanceOf(Valid.class);
        return ((Valid) translation).definition();
    }

    /** The API server stores stringData base64-encoded in data. */
    private static Secret asStoredByTheApiServer(Secret secret) {
        Map<String, String> data = new HashMap<>(secret.getData() == null ? Map.of() : secret.getData());
        if (secret.getStringData() != null) {
            secret.getStringData().forEach((key, value) ->
                    data.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        }
        secret.setData(data);
        secret.setStringData(null);
        return secret;
    }

    private static void assertProbe(Container container, Probe probe, String path) {
        assertThat(probe).as(path).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        var port = probe.getHttpGet().getPort();
        int number = port.getIntVal() != null ? port.getIntVal()
                : container.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst().orElseThrow()
                        .getContainerPort();
        assertThat(number).as("port of %s", path).isEqualTo(8080);
    }

    private static int httpPort(Container container) {
        return container.getPorts().stream().filter(port -> "http".equals(port.getName())).findFirst().orElseThrow()
                .getContainerPort();
    }

    /** The verbs the Role's rules grant on a resource (and a resource name, when given). */
    private static Set<String> verbs(Role role, String group, String resource, String resourceName) {
        Set<String> verbs = new LinkedHashSet<>();
        for (PolicyRule rule : role.getRules()) {
            boolean names = rule.getResourceNames().isEmpty() || (resourceName != null && rule.getResourceNames().contains(resourceName));
            if (rule.getApiGroups().contains(group) && rule.getResources().contains(resource) && names) {
                verbs.addAll(rule.getVerbs());
            }
        }
        return verbs;
    }

    private static Map<String, String> environment(Container container) {
        Map<String, String> environment = new HashMap<>();
        container.getEnv().forEach(variable -> environment.put(variable.getName(), variable.getValue()));
        return environment;
    }

    private static Map<String, String> applicationProperties() throws IOException {
        var properties = new java.util.Properties();
        try (var reader = Files.newBufferedReader(Path.of("src", "main", "resources", "application.properties"))) {
            properties.load(reader);
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return map;
    }

    private static String projectVersion() throws Exception {
        var document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        return XPathFactory.newInstance().newXPath().evaluate("/project/version", document);
    }

    private static Role role() {
        return load("03-role.yaml", Role.class);
    }

    private static Deployment deployment() {
        return load("04-deployment.yaml", Deployment.class);
    }

    private static Container container() {
        return deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static <T> T load(String file, Class<T> type) {
        try {
            return SERIALIZATION.unmarshal(Files.readString(K8S.resolve(file)), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Map<String, Object>> documents(Path file) throws IOException {
        List<Map<String, Object>> documents = new ArrayList<>();
        try (var values = YAML.readerFor(Map.class).<Map<String, Object>>readValues(file.toFile())) {
            while (values.hasNext()) {
                Map<String, Object> document = values.next();
                if (document != null && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    /** The numbered manifests in k8s/, in order (kustomization.yaml and examples/ aside). */
    private static List<Path> manifestFiles() throws IOException {
        try (Stream<Path> files = Files.list(K8S)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.getFileName().toString().endsWith(".yaml"))
                    .filter(file -> !file.getFileName().toString().equals("kustomization.yaml"))
                    .sorted().toList();
        }
    }

    private static List<Path> exampleFiles() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }
}

package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The native image configuration for the HiveMQ MQTT client is present and names what exists.
 * No native executable is built here (no GraalVM on the build machines): this keeps the
 * configuration consistent with the libraries on the classpath when they change.
 */
class NativeImageConfigurationTest {

    private static final String RUN_TIME = "--initialize-at-run-time=";
    private static final Pattern JCTOOLS_REFERENCE = Pattern.compile("org/jctools/[A-Za-z0-9_/$]+");

    @Test
    void theClientAndItsSchedulersAreInitialisedAtRunTime() throws Exception {
        List<String> packages = runTimeInitialised();
        assertThat(packages).containsExactlyInAnyOrder("com.hivemq.client", "io.reactivex");
        // the static initialisers that must not run at build time: epoll detection, scheduler threads
        for (String name : List.of("com.hivemq.client.internal.netty.NettyEventLoopProvider",
                "com.hivemq.client.mqtt.MqttClientExecutorConfig", "io.reactivex.internal.schedulers.SchedulerPoolFactory")) {
            Class.forName(name, false, getClass().getClassLoader());
            assertThat(packages).as(name).anyMatch(prefix -> name.startsWith(prefix + "."));
        }
    }

    @Test
    void reflectionTargetsExistAndRegisterFields() throws Exception {
        RegisterForReflection registration = HiveMqNativeImage.class.getAnnotation(RegisterForReflection.class);
        assertThat(registration.fields()).isTrue();
        assertThat(registration.classNames()).isNotEmpty();
        for (String name : registration.classNames()) {
            Class.forName(name, false, getClass().getClassLoader());
        }
    }

    /**
     * Every JCTools class the client's jar uses is registered, with each class of its hierarchy
     * whose fields an Atomic*FieldUpdater moves.
     */
    @Test
    void everyJctoolsQueueOfTheClientIsRegisteredWithTheFieldsItsUpdatersMove() throws Exception {
        Set<String> registered = Set.of(HiveMqNativeImage.class.getAnnotation(RegisterForReflection.class).classNames());
        Set<String> used = jctoolsClassesReferencedByTheClient();
        assertThat(used).as("JCTools classes in the HiveMQ client's bytecode").isNotEmpty();
        Set<String> needed = new TreeSet<>();
        for (String name : used) {
            Class<?> type = Class.forName(name, false, getClass().getClassLoader());
            if (type.isInterface()) {
                continue;
            }
            needed.add(name);
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    if (Modifier.isStatic(field.getModifiers()) && isFieldUpdater(field.getType())) {
                        Class<?> updated = (Class<?>) ((ParameterizedType) field.getGenericType()).getActualTypeArguments()[0];
                        assertThat(Arrays.stream(updated.getDeclaredFields()).anyMatch(f -> Modifier.isVolatile(f.getModifiers())))
                                .as("%s declares the volatile field %s.%s moves", updated.getName(), c.getName(), field.getName())
                                .isTrue();
                        needed.add(updated.getName());
                    }
                }
            }
        }
        assertThat(needed).as("queue classes and the classes of their updated fields")
                .hasSizeGreaterThan(used.size());
        assertThat(registered).containsAll(needed);
    }

    private static boolean isFieldUpdater(Class<?> type) {
        return type == AtomicLongFieldUpdater.class || type == AtomicIntegerFieldUpdater.class
                || type == AtomicReferenceFieldUpdater.class;
    }

    private static Set<String> jctoolsClassesReferencedByTheClient() throws Exception {
        Path jar = Path.of(MqttClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> classes = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : Collections.list(file.entries())) {
                if (entry.getName().endsWith(".class")) {
                    String bytecode = new String(file.getInputStream(entry).readAllBytes(), StandardCharsets.ISO_8859_1);
                    Matcher matcher = JCTOOLS_REFERENCE.matcher(bytecode);
                    while (matcher.find()) {
                        classes.add(matcher.group().replace('/', '.'));
                    }
                }
            }
        }
        return classes;
    }

    private static List<String> runTimeInitialised() throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of("src", "main", "resources", "application.properties"))) {
            properties.load(reader);
        }
        String arguments = properties.getProperty("quarkus.native.additional-build-args");
        assertThat(arguments).as("quarkus.native.additional-build-args").isNotNull();
        List<String> list = Arrays.stream(arguments.split(",")).map(String::trim).toList();
        assertThat(list).allMatch(argument -> argument.startsWith(RUN_TIME));
        return list.stream().map(argument -> argument.substring(RUN_TIME.length())).toList();
    }
}

package io.mqttreplicator.standalone;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.BrokerSettings.Credentials;
import io.mqttreplicator.broker.BrokerSettings.TlsSettings;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code MQTTREP_CLIENT_{name}} (URLs) and {@code MQTTREP_CONFIG_{name}} (MQTT.js options as JSON):
 * how to reach one broker.
 */
final class BrokerVariables {

    static final String CLIENT = "MQTTREP_CLIENT_";
    static final String CONFIG = "MQTTREP_CONFIG_";

    static final int DEFAULT_KEEP_ALIVE_SECONDS = 60;
    static final int DEFAULT_RECONNECT_PERIOD_MS = 1000;
    static final int DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
    private static final long ONE_DAY_MS = 86_400_000;

    private static final Set<String> SUPPORTED_KEYS = Set.of("username", "password", "clientId", "clean", "keepalive",
            "reconnectPeriod", "connectTimeout", "rejectUnauthorized", "ca", "cert", "key", "protocolVersion",
            "servers", "maxQos", "roundRobin");
    private static final Set<String> SECRET_KEYS = Set.of("password", "key");

    // Node's JSON.parse, except that raw line breaks in strings are accepted: PEM text pasted as is
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_UNESCAPED_CONTROL_CHARS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern QUOTED = Pattern.compile("'[^']*'");
    // "('h' (code 104))", "(''' (code 39))", "((CTRL-CHAR, code 1))": the character may be the password's
    private static final Pattern CHARACTER_CODE = Pattern.compile("\\s*\\(+(?:'.{1,2}?'\\s*\\(code \\d+[^)]*\\)|CTRL-CHAR, code \\d+)\\)+");
    private static final Pattern SOURCE = Pattern.compile("\\s*\\(?(?:start marker at )?\\[Source: [^\\]]*\\]\\)?");

    /**
     * A broker as configured, before its client id is known: a generated id depends on the whole
     * replication.
     */
    record BrokerDraft(String name, List<URI> addresses, boolean roundRobin, int protocolVersion, int maxQos,
            Optional<String> clientId, boolean cleanSession, Duration keepAlive, Duration reconnectDelay,
            Duration connectTimeout, Optional<Credentials> credentials, TlsSettings tls) {

        BrokerSettings settings(String generatedClientId) {
            return new BrokerSettings(name, addresses, roundRobin, protocolVersion, maxQos,
                    clientId.orElse(generatedClientId), cleanSession, keepAlive, reconnectDelay, connectTimeout,
                    credentials, tls);
        }
    }

    private BrokerVariables() {
    }

    /** The broker, or empty when a problem was found (then added to {@code findings}). */
    static Optional<BrokerDraft> parse(String name, String urls, String configJson, Findings findings) {
        int problemsBefore = findings.problemCount();
        String clientVariable = CLIENT + name;
        List<MqttjsUrl> addresses = new ArrayList<>();
        List<String> urlTexts = TextValues.names(urls);
        if (urlTexts.isEmpty()) {
            findings.problem(clientVariable, urls, "no broker URL (expected e.g. mqtt://broker:1883)");
        }
        for (String url : urlTexts) {
            try {
                addresses.add(MqttjsUrl.parse(url));
            } catch (IllegalArgumentException invalid) {
                findings.problem(clientVariable, MqttjsUrl.redacted(url), invalid.getMessage());
            }
        }
        Options options = new Options(CONFIG + name, readObject(CONFIG + name, configJson, findings), findings);
        addresses.addAll(options.servers(addresses.isEmpty() ? null : addresses.get(0)));

        Optional<String> clientId = options.text("clientId").filter(id -> !id.isEmpty());
        boolean clean = options.bool("clean").orElse(false);
        int keepAlive = options.whole("keepalive", 0, 65535, "a whole number of seconds from 0 to 65535")
                .orElse((long) DEFAULT_KEEP_ALIVE_SECONDS).intValue();
        long reconnectPeriod = options.whole("reconnectPeriod", 0, ONE_DAY_MS, "a whole number of milliseconds from 0 to 86400000")
                .orElse((long) DEFAULT_RECONNECT_PERIOD_MS);
        if (reconnectPeriod == 0) {
            options.warning("reconnectPeriod", "MQTT.js does not reconnect with 0; mqtt-replicator always reconnects, first after "
                    + DEFAULT_RECONNECT_PERIOD_MS + " ms");
            reconnectPeriod = DEFAULT_RECONNECT_PERIOD_MS;
        }
        long connectTimeout = options.whole("connectTimeout", 1, ONE_DAY_MS, "a whole number of milliseconds from 1 to 86400000")
                .orElse((long) DEFAULT_CONNECT_TIMEOUT_MS);
        int protocolVersion = options.protocolVersion();
        int maxQos = options.whole("maxQos", 0, 2, "0, 1 or 2").orElse(2L).intValue();
        boolean roundRobin = options.bool("roundRobin").orElse(false);

        Optional<String> username = options.text("username")
                .or(() -> addresses.stream().flatMap(address -> address.username().stream()).findFirst());
        Optional<String> password = options.text("password")
                .or(() -> addresses.stream().flatMap(address -> address.password().stream()).findFirst());
        if (password.isPresent() && username.isEmpty() && protocolVersion == 4) {
            findings.problem(options.variable, "a password without a username is not allowed by MQTT 3.1.1 (protocolVersion 4)");
        }
        Optional<Credentials> credentials = username.isPresent() || password.isPresent()
                ? Optional.of(new Credentials(username.orElse(null), password.orElse(null)))
                : Optional.empty();
        TlsSettings tls = options.tls(addresses.stream().anyMatch(MqttjsUrl::usesTls));
        options.warnAboutUnknownKeys();

        if (findings.problemCount() > problemsBefore) {
            return Optional.empty();
        }
        Set<URI> distinctAddresses = new LinkedHashSet<>();
        addresses.forEach(address -> distinctAddresses.add(address.uri()));
        return Optional.of(new BrokerDraft(name, List.copyOf(distinctAddresses), roundRobin, protocolVersion, maxQos,
                clientId, clean, Duration.ofSeconds(keepAlive), Duration.ofMillis(reconnectPeriod),
                Duration.ofMillis(connectTimeout), credentials, tls));
    }

    private static ObjectNode readObject(String variable, String json, Findings findings) {
        if (json == null || json.isBlank()) {
            return null; // as MQTT_Replicator: an empty configuration is no configuration
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException invalid) {
            findings.problem(variable, "not valid JSON: " + parserMessage(invalid));
            return null;
        }
        if (root instanceof ObjectNode object) {
            return object;
        }
        findings.problem(variable, "must be a JSON object, e.g. {\"username\":\"replicator\"}, not "
                + root.getNodeType().name().toLowerCase(Locale.ROOT));
        return null;
    }

    /**
     * The parser's message without the text it quotes: the text around an error in a configuration
     * is often the password.
     */
    static String parserMessage(JacksonException invalid) {
        String message = invalid.getOriginalMessage().lines().findFirst().orElse("").strip();
        message = SOURCE.matcher(message).replaceAll("");
        message = CHARACTER_CODE.matcher(message).replaceAll("");
        Matcher quoted = QUOTED.matcher(message);
        message = quoted.replaceAll(match -> switch (match.group()) {
            case "'null'", "'true'", "'false'" -> match.group();
            default -> "'…'";
        });
        JsonLocation location = invalid.getLocation();
        return location == null || location.getLineNr() < 0
                ? message
                : message + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    /** Reads the keys of one MQTTREP_CONFIG_{name} object; every wrong value is a problem naming the key. */
    private static final class Options {
        final String variable;
        private final ObjectNode json;
        private final Findings findings;

        Options(String variable, ObjectNode json, Findings findings) {
            this.variable = variable;
            this.json = json;
            this.findings = findings;
        }

        Optional<JsonNode> node(String key) {
            JsonNode value = json == null ? null : json.get(key);
            return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
        }

        void problem(String key, JsonNode value, String message) {
            findings.problem(variable, key + "=" + shown(key, value) + ": " + message);
        }

        void warning(String key, String message) {
            findings.warning(variable, key + "=" + shown(key, json.get(key)) + ": " + message);
        }

        Optional<String> text(String key) {
            return node(key).flatMap(value -> {
                if (value.isTextual()) {
                    return Optional.of(value.textValue());
                }
                problem(key, value, "must be a string");
                return Optional.empty();
            });
        }

        Optional<Boolean> bool(String key) {
            return node(key).flatMap(value -> {
                if (value.isBoolean()) {
                    return Optional.of(value.booleanValue());
                }
                problem(key, value, "must be true or false");
                return Optional.empty();
            });
        }

        Optional<Long> whole(String key, long min, long max, String expected) {
            return node(key).flatMap(value -> whole(key, value, min, max, expected));
        }

        private Optional<Long> whole(String key, JsonNode value, long min, long max, String expected) {
            if (value.isNumber() && value.canConvertToExactIntegral() && value.canConvertToLong()
                    && value.longValue() >= min && value.longValue() <= max) {
                return Optional.of(value.longValue());
            }
            problem(key, value, "must be " + expected);
            return Optional.empty();
        }

        int protocolVersion() {
            Optional<JsonNode> version = node("protocolVersion");
            if (version.isPresent() && version.get().isNumber() && version.get().asDouble() == 3) {
                problem("protocolVersion", version.get(), "MQTT 3.1 is not supported: use 4 (MQTT 3.1.1) or 5 (MQTT 5)");
                return 4;
            }
            long value = whole("protocolVersion", 4, 5, "4 (MQTT 3.1.1) or 5 (MQTT 5)").orElse(4L);
            return (int) value;
        }

        /** The MQTT.js {@code servers} failover list: [{host, port, protocol?}], appended to the URLs. */
        List<MqttjsUrl> servers(MqttjsUrl first) {
            Optional<JsonNode> servers = node("servers");
            if (servers.isEmpty()) {
                return List.of();
            }
            if (!servers.get().isArray()) {
                problem("servers", servers.get(), "must be an array of {\"host\": …, \"port\": …, \"protocol\": …} objects");
                return List.of();
            }
            List<MqttjsUrl> addresses = new ArrayList<>();
            for (int i = 0; i < servers.get().size(); i++) {
                server("servers[" + i + "]", servers.get().get(i), first).ifPresent(addresses::add);
            }
            return addresses;
        }

        private Optional<MqttjsUrl> server(String key, JsonNode server, MqttjsUrl first) {
            if (!server.isObject()) {
                problem(key, server, "must be an object {\"host\": …, \"port\": …, \"protocol\": …}");
                return Optional.empty();
            }
            JsonNode host = server.get("host");
            JsonNode port = server.get("port");
            JsonNode protocol = server.get("protocol");
            boolean valid = true;
            if (host == null || !host.isTextual() || host.textValue().isBlank()) {
                problem(key + ".host", host == null ? server : host, "must be a host name");
                valid = false;
            }
            if (port != null && !port.isNull() && whole(key + ".port", port, 1, 65535, "a port number from 1 to 65535").isEmpty()) {
                valid = false;
            }
            String scheme = first == null ? "mqtt" : first.scheme();
            if (protocol != null && !protocol.isNull()) {
                Optional<String> canonical = protocol.isTextual() ? MqttjsUrl.canonicalScheme(protocol.textValue()) : Optional.empty();
                if (canonical.isEmpty()) {
                    problem(key + ".protocol", protocol, "must be one of " + MqttjsUrl.SCHEMES_EXPECTED);
                    valid = false;
                } else {
                    scheme = canonical.get();
                }
            }
            Iterator<String> keys = server.fieldNames();
            List<String> unknown = new ArrayList<>();
            keys.forEachRemaining(name -> {
                if (!Set.of("host", "port", "protocol").contains(name)) {
                    unknown.add(name);
                }
            });
            if (!unknown.isEmpty()) {
                findings.warning(variable, key + ": ignored unknown keys " + String.join(", ", unknown));
            }
            if (!valid) {
                return Optional.empty();
            }
            String hostText = host.textValue().trim();
            String hostPart = hostText.contains(":") && !hostText.startsWith("[") ? "[" + hostText + "]" : hostText;
            // a ws/wss server is reached on the same path as the first URL, as MQTT.js does
            String path = scheme.startsWith("ws") && first != null ? first.pathAndQuery() : "";
            String url = scheme + "://" + hostPart + (port == null || port.isNull() ? "" : ":" + port.longValue()) + path;
            try {
                return Optional.of(MqttjsUrl.parse(url));
            } catch (IllegalArgumentException invalid) {
                problem(key, server, invalid.getMessage());
                return Optional.empty();
            }
        }

        TlsSettings tls(boolean anyTlsAddress) {
            Optional<String> ca = ca();
            Optional<String> cert = pem("cert");
            Optional<String> key = pem("key");
            boolean verifyServer = bool("rejectUnauthorized").orElse(true);
            if (cert.isPresent() != key.isPresent()) {
                findings.problem(variable, "cert and key go together: a client certificate needs its private key");
            }
            if (!verifyServer) {
                warning("rejectUnauthorized", "the broker's certificate and host name are not checked");
            }
            boolean anyTlsOption = ca.isPresent() || cert.isPresent() || key.isPresent() || node("rejectUnauthorized").isPresent();
            if (anyTlsOption && !anyTlsAddress) {
                findings.warning(variable, "ca, cert, key and rejectUnauthorized only apply to mqtts:// and wss:// addresses, and there is none");
            }
            return new TlsSettings(ca, cert, key, verifyServer);
        }

        private Optional<String> ca() {
            Optional<JsonNode> ca = node("ca");
            if (ca.isEmpty() || !ca.get().isArray()) {
                return pem("ca");
            }
            List<String> certificates = new ArrayList<>();
            for (JsonNode certificate : ca.get()) {
                if (!certificate.isTextual() || !isPem(certificate.textValue())) {
                    problem("ca", ca.get(), "must be PEM text or an array of PEM texts (-----BEGIN CERTIFICATE-----…)");
                    return Optional.empty();
                }
                certificates.add(certificate.textValue().strip());
            }
            return certificates.isEmpty() ? Optional.empty() : Optional.of(String.join("\n", certificates) + "\n");
        }

        private Optional<String> pem(String key) {
            return text(key).flatMap(pem -> {
                if (isPem(pem)) {
                    return Optional.of(pem);
                }
                problem(key, json.get(key), "must be PEM text (-----BEGIN …-----)");
                return Optional.empty();
            });
        }

        private static boolean isPem(String text) {
            return text.contains("-----BEGIN ");
        }

        void warnAboutUnknownKeys() {
            if (json == null) {
                return;
            }
            List<String> unknown = new ArrayList<>();
            json.fieldNames().forEachRemaining(key -> {
                if (!SUPPORTED_KEYS.contains(key)) {
                    unknown.add(key);
                }
            });
            if (!unknown.isEmpty()) {
                findings.warning(variable, "ignored unknown keys " + String.join(", ", unknown.stream().sorted().toList()));
            }
        }

        private static String shown(String key, JsonNode value) {
            if (value == null) {
                return "(absent)";
            }
            if (SECRET_KEYS.contains(key)) {
                return Findings.HIDDEN;
            }
            return Findings.printable(value.toString());
        }
    }
}

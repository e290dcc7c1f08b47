package io.mqttreplicator.standalone;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A broker URL of the {@code MQTTREP_*} variables, read as MQTT.js reads it (the address the
 * channel connects to is {@link io.mqttreplicator.broker.BrokerAddress}): {@code mqtt}, {@code mqtts}, {@code ws},
 * {@code wss}, and the aliases {@code tcp} (= mqtt), {@code ssl} and {@code tls} (= mqtts). Credentials
 * in the URL ({@code mqtt://user:password@host}) are taken out of the address, so that they never
 * appear where addresses are shown.
 */
record MqttjsUrl(String scheme, String host, int port, String pathAndQuery,
        Optional<String> username, Optional<String> password) {

    static final String SCHEMES_EXPECTED = "mqtt, mqtts, ws, wss, tcp, ssl or tls";

    private static final Map<String, String> SCHEMES = Map.of(
            "mqtt", "mqtt", "tcp", "mqtt",
            "mqtts", "mqtts", "ssl", "mqtts", "tls", "mqtts",
            "ws", "ws", "wss", "wss");
    private static final Map<String, Integer> DEFAULT_PORTS = Map.of("mqtt", 1883, "mqtts", 8883, "ws", 80, "wss", 443);
    // Host names as resolvers accept them, underscores included (Docker Compose service names)
    private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9._-]+");

    /** The canonical scheme of a scheme or alias, if it is one. */
    static Optional<String> canonicalScheme(String scheme) {
        return Optional.ofNullable(SCHEMES.get(scheme.toLowerCase(Locale.ROOT)));
    }

    /** Throws IllegalArgumentException with a message that can follow the (redacted) URL. */
    static MqttjsUrl parse(String text) {
        String url = text.trim();
        int separator = url.indexOf("://");
        if (separator <= 0) {
            throw new IllegalArgumentException("not a URL: expected scheme://host[:port], e.g. mqtt://broker:1883");
        }
        String scheme = canonicalScheme(url.substring(0, separator)).orElseThrow(() -> new IllegalArgumentException(
                "unknown scheme '" + url.substring(0, separator) + "' (expected " + SCHEMES_EXPECTED + ")"));
        String afterScheme = url.substring(separator + 3);
        if (afterScheme.isEmpty() || afterScheme.startsWith("/") || afterScheme.startsWith("?")) {
            throw new IllegalArgumentException("no host");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        String authority = uri.getRawAuthority();
        if (authority == null || authority.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        String host;
        String portText = "";
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0 || (close + 1 < authority.length() && authority.charAt(close + 1) != ':')) {
                throw new IllegalArgumentException("invalid IPv6 address");
            }
            host = authority.substring(0, close + 1);
            portText = close + 1 < authority.length() ? authority.substring(close + 2) : "";
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? "" : authority.substring(colon + 1);
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        if (!host.startsWith("[") && !HOST_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("invalid host name");
        }
        int port = portText.isEmpty() ? DEFAULT_PORTS.get(scheme) : port(portText);
        String pathAndQuery = "";
        if (scheme.startsWith("ws")) {
            pathAndQuery = (uri.getRawPath() == null ? "" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        }
        Optional<String> username = Optional.empty();
        Optional<String> password = Optional.empty();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            username = Optional.of(decode(colon < 0 ? userInfo : userInfo.substring(0, colon))).filter(s -> !s.isEmpty());
            password = colon < 0 ? Optional.empty() : Optional.of(decode(userInfo.substring(colon + 1)));
        }
        return new MqttjsUrl(scheme, host, port, pathAndQuery, username, password);
    }

    /** The address without credentials, with an explicit canonical scheme and port. */
    URI uri() {
        return URI.create(scheme + "://" + host + ":" + port + pathAndQuery);
    }

    boolean usesTls() {
        return scheme.equals("mqtts") || scheme.equals("wss");
    }

    /** The URL as it may be shown: a password in it is replaced by {@code ***}. */
    static String redacted(String url) {
        int separator = url.indexOf("://");
        int start = separator < 0 ? 0 : separator + 3;
        int at = url.lastIndexOf('@');
        if (at < start) {
            return url;
        }
        int colon = url.indexOf(':', start);
        return colon < 0 || colon > at ? url : url.substring(0, colon + 1) + "***" + url.substring(at);
    }

    private static int port(String text) {
        if (!text.matches("\\d{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535) {
            throw new IllegalArgumentException("invalid port (expected 1 to 65535)");
        }
        return Integer.parseInt(text);
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            // the decoder's message quotes the text: a password
            throw new IllegalArgumentException("invalid %-escape in the user name or password");
        }
    }

    @Override
    public String toString() {
        return uri().toString();
    }
}

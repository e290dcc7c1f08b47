package io.mqttreplicator.broker;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * One address of a broker, parsed from a URI: {@code mqtt://} (alias {@code tcp://}), {@code mqtts://}
 * (aliases {@code ssl://}, {@code tls://}), {@code ws://} and {@code wss://}.
 *
 * @param uri           the address as configured
 * @param host          host name or IP address
 * @param port          the URI's port, or the scheme's default (1883, 8883, 80, 443)
 * @param tls           whether the connection is encrypted
 * @param websocket     whether MQTT is carried over WebSocket
 * @param websocketPath the HTTP path of the WebSocket endpoint, without the leading slash ("" for "/")
 * @param websocketQuery the HTTP query string of the WebSocket endpoint, "" if none
 */
public record BrokerAddress(URI uri, String host, int port, boolean tls, boolean websocket, String websocketPath,
        String websocketQuery) {

    public BrokerAddress {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(websocketPath, "websocketPath");
        Objects.requireNonNull(websocketQuery, "websocketQuery");
    }

    /** Parses a broker URI; throws IllegalArgumentException naming what is wrong. */
    public static BrokerAddress parse(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean tls;
        boolean websocket;
        int defaultPort;
        switch (scheme) {
            case "mqtt", "tcp" -> {
                tls = false;
                websocket = false;
                defaultPort = 1883;
            }
            case "mqtts", "ssl", "tls" -> {
                tls = true;
                websocket = false;
                defaultPort = 8883;
            }
            case "ws" -> {
                tls = false;
                websocket = true;
                defaultPort = 80;
            }
            case "wss" -> {
                tls = true;
                websocket = true;
                defaultPort = 443;
            }
            default -> throw new IllegalArgumentException("unsupported broker address '" + uri
                    + "' (expected mqtt://, mqtts://, ws:// or wss://; tcp://, ssl:// and tls:// are aliases)");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("broker address '" + uri + "' has no host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort() < 0 ? defaultPort : uri.getPort();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        if (!websocket && !(path.isEmpty() || path.equals("/"))) {
            throw new IllegalArgumentException("broker address '" + uri + "' has a path, but only ws:// and wss:// addresses take one");
        }
        return new BrokerAddress(uri, host, port, tls, websocket, stripLeadingSlashes(path), query);
    }

    private static String stripLeadingSlashes(String path) {
        int start = 0;
        while (start < path.length() && path.charAt(start) == '/') {
            start++;
        }
        return path.substring(start);
    }

    @Override
    public String toString() {
        return (websocket ? (tls ? "wss://" : "ws://") : (tls ? "mqtts://" : "mqtt://"))
                + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port
                + (websocket ? "/" + websocketPath + (websocketQuery.isEmpty() ? "" : "?" + websocketQuery) : "");
    }
}

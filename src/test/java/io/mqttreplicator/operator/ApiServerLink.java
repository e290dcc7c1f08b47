package io.mqttreplicator.operator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder on 127.0.0.1 between one replica and the API server, which a test can cut as a
 * network partition would: open connections break and new ones are refused, while the replica's
 * process, client and brokers stay as they are.
 */
final class ApiServerLink implements AutoCloseable {

    private final int targetPort;
    private final ServerSocket listener;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;

    ApiServerLink(int targetPort) {
        this.targetPort = targetPort;
        try {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread acceptor = new Thread(this::accept, "api-server-link-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + listener.getLocalPort() + "/";
    }

    /** From now on the replica cannot reach the API server. */
    void cut() {
        cut = true;
        close();
    }

    private void accept() {
        while (!cut) {
            try {
                Socket replica = listener.accept();
                Socket apiServer = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(replica);
                sockets.add(apiServer);
                pump(replica, apiServer);
                pump(apiServer, replica);
            } catch (IOException e) {
                if (!cut) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private void pump(Socket from, Socket to) {
        Thread thread = new Thread(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the other direction or cut() closed the sockets: the connection is over
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "api-server-link-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        closeQuietly(listener);
        sockets.forEach(ApiServerLink::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // closing is best effort: the socket may be closed already
        }
    }
}

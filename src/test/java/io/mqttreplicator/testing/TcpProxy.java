package io.mqttreplicator.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for fault tests, on a free 127.0.0.1 port, in front of one upstream 127.0.0.1 port.
 * <pre>
 * try (TcpProxy proxy = TcpProxy.start(broker.port())) {
 *     ... connect to proxy.port() ...
 *     proxy.blackhole();   // the link goes silent, connections stay open
 *     proxy.heal();        // traffic flows again
 *     proxy.cutAll();      // every connection is reset, new ones are accepted
 * }
 * </pre>
 * Modes:
 * <ul>
 * <li>{@link #pass()} (the start): forwards both ways.</li>
 * <li>{@link #blackhole()}: as a network partition looks to both ends: accepted and open connections
 * stay open, but bytes in either direction are read and dropped, and new connections are accepted
 * without being connected upstream. Only a keep-alive or a timeout can tell the link is dead; when
 * one end then closes its side, the other end is not told.</li>
 * <li>{@link #heal()}: back to passing for new connections. Connections that lived through a
 * blackhole lost bytes in the middle of a stream, so they are closed: the ends must reconnect, as
 * they would after a real partition once their keep-alive gave up.</li>
 * <li>{@link #cutAll()}: closes every open connection now (both sides see a reset or end of
 * stream); the mode stays as it was.</li>
 * </ul>
 * Plain blocking sockets, two threads per connection: tests open a handful of connections.
 */
public final class TcpProxy implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final int upstreamPort;
    private final ServerSocket server;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong droppedBytes = new AtomicLong();
    private volatile boolean blackholed;
    private volatile boolean closed;

    private TcpProxy(int upstreamPort, ServerSocket server) {
        this.upstreamPort = upstreamPort;
        this.server = server;
    }

    /** Listens on a free 127.0.0.1 port and forwards to 127.0.0.1:{@code upstreamPort}. */
    public static TcpProxy start(int upstreamPort) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            TcpProxy proxy = new TcpProxy(upstreamPort, server);
            Thread acceptor = new Thread(proxy::acceptLoop, "tcp-proxy-" + server.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code mqtt://127.0.0.1:<proxy port>} */
    public String url() {
        return "mqtt://127.0.0.1:" + port();
    }

    /** Connections accepted since the start, blackholed ones included. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return connections.size();
    }

    /** Bytes read and dropped while blackholed. */
    public long droppedBytes() {
        return droppedBytes.get();
    }

    public boolean isBlackholed() {
        return blackholed;
    }

    /** Forwards again; same as {@link #heal()}. */
    public void pass() {
        heal();
    }

    /** Drops every byte from now on, in both directions, and keeps the connections open. */
    public void blackhole() {
        blackholed = true;
    }

    /** Ends the blackhole: connections that lived through it are closed, new ones are forwarded. */
    public void heal() {
        if (!blackholed) {
            return;
        }
        blackholed = false;
        for (Connection connection : connections) {
            if (connection.sawBlackhole) {
                connection.close();
            }
        }
    }

    /** Closes every open connection now, whatever the mode. */
    public void cutAll() {
        for (Connection connection : connections) {
            connection.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        cutAll();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            accepted.incrementAndGet();
            Connection connection = new Connection(client);
            connections.add(connection);
            connection.open();
        }
    }

    /** One client connection and, unless it was accepted while blackholed, its upstream connection. */
    private final class Connection {
        private final Socket client;
        private volatile Socket upstream;
        private volatile boolean sawBlackhole;
        private volatile boolean done;

        Connection(Socket client) {
            this.client = client;
        }

        void open() {
            if (blackholed) {
                sawBlackhole = true;
                startPump(client, null, "in");
                return;
            }
            try {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
                upstream = socket;
            } catch (IOException refused) {
                close();
                return;
            }
            startPump(client, upstream, "in");
            startPump(upstream, client, "out");
        }

        private void startPump(Socket from, Socket to, String direction) {
            Thread pump = new Thread(() -> pump(from, to), "tcp-proxy-" + port() + "-" + direction);
            pump.setDaemon(true);
            pump.start();
        }

        /** Copies until either side ends; while blackholed, reads and drops. {@code to} null: always drops. */
        private void pump(Socket from, Socket to) {
            byte[] buffer = new byte[BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to == null ? null : to.getOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    if (blackholed || out == null) {
                        sawBlackhole = true;
                        droppedBytes.addAndGet(read);
                        continue;
                    }
                    out.write(buffer, 0, read);
                    out.flush();
                }
            } catch (SocketException closedMeanwhile) {
                // the other pump or the test closed the connection
            } catch (IOException e) {
                // the peer went away: end the connection below
            }
            if (blackholed) {
                // In a partition, one end giving up never reaches the other: only this side closes,
                // the other keeps waiting until its keep-alive tells it, or the heal.
                sawBlackhole = true;
                closeQuietly(from);
            } else {
                close();
            }
        }

        void close() {
            if (done) {
                return;
            }
            done = true;
            connections.remove(this);
            closeQuietly(client);
            Socket socket = upstream;
            if (socket != null) {
                closeQuietly(socket);
            }
        }

        private void closeQuietly(Socket socket) {
            try {
                socket.setSoLinger(true, 0); // a reset, as when a link or a process dies
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}

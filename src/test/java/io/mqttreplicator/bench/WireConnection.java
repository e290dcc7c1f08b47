package io.mqttreplicator.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One MQTT 3.1.1 connection of the benchmark's own clients to a broker on 127.0.0.1: a blocking socket with
 * TCP_NODELAY and large buffers, CONNECT answered by CONNACK before {@link #connect} returns, then a reader thread
 * that hands every frame it reads to a {@link Handler}, a whole read chunk at a time. Writes come from any thread,
 * one at a time. A PINGREQ every half keepalive keeps the broker from closing a quiet connection.
 */
final class WireConnection implements AutoCloseable {

    /** What the reader thread does with what it reads. */
    interface Handler {

        /**
         * One complete frame; {@code frame}'s positions index into {@code in}. {@code readNanos} is the
         * {@link System#nanoTime()} at which the read that completed it returned.
         */
        void frame(WireMqtt.Frame frame, ByteBuffer in, long readNanos) throws IOException;

        /** After the frames of one read. */
        default void endOfRead() throws IOException {
        }

        /** The connection ended: the broker closed it, it failed, or {@link #close} was called. */
        default void closed(String why) {
        }
    }

    static final int KEEPALIVE_SECONDS = 60;
    private static final int SOCKET_BUFFER_BYTES = 1 << 20;
    private static final int READ_BUFFER_BYTES = 256 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final ScheduledExecutorService PINGS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "bench-mqtt-ping");
        thread.setDaemon(true);
        return thread;
    });

    private final Socket socket;
    private final OutputStream output;
    private final InputStream input;
    private final String name;
    private ByteBuffer in = ByteBuffer.allocate(READ_BUFFER_BYTES);
    private Thread reader;
    private ScheduledFuture<?> pings;
    private volatile boolean closing;

    private WireConnection(Socket socket, String name) throws IOException {
        this.socket = socket;
        this.output = socket.getOutputStream();
        this.input = socket.getInputStream();
        this.name = name;
    }

    /** Connects with a clean session and returns once the broker accepted it; then {@link #start} the reader. */
    static WireConnection connect(String clientId, int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
            socket.setReceiveBufferSize(SOCKET_BUFFER_BYTES); // before connect(): the window scale is agreed then
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) CONNECT_TIMEOUT.toMillis());
            WireConnection connection = new WireConnection(socket, clientId);
            ByteBuffer connect = ByteBuffer.allocate(64 + clientId.length() * 4);
            WireMqtt.putConnect(connect, clientId, true, KEEPALIVE_SECONDS);
            connection.write(connect.array(), 0, connect.position());
            connection.awaitConnack();
            return connection;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void awaitConnack() throws IOException {
        socket.setSoTimeout((int) CONNECT_TIMEOUT.toMillis());
        WireMqtt.Frame frame = new WireMqtt.Frame();
        try {
            while (true) {
                int read = input.read(in.array(), in.position(), in.remaining());
                if (read < 0) {
                    throw new IOException(name + ": the broker closed the connection before CONNACK");
                }
                in.position(in.position() + read).flip();
                if (frame.next(in)) {
                    int returnCode = frame.bodyEnd - frame.bodyStart == 2 ? in.get(frame.bodyStart + 1) : -1;
                    if (frame.type != WireMqtt.CONNACK || returnCode != 0) {
                        throw new IOException(name + ": connection refused (packet type " + frame.type + ", return code "
                                + returnCode + ")");
                    }
                    in.compact();
                    break;
                }
                in.position(in.limit()).limit(in.capacity());
            }
        } catch (SocketTimeoutException e) {
            throw new IOException(name + ": no CONNACK within " + CONNECT_TIMEOUT.toSeconds() + " s", e);
        }
        socket.setSoTimeout(0);
    }

    /** Starts the reader thread (Linux shows 15 characters of its name) and the pings. */
    void start(String threadName, Handler handler) {
        reader = new Thread(() -> readLoop(handler), threadName);
        reader.setDaemon(true);
        reader.start();
        long period = KEEPALIVE_SECONDS / 2;
        pings = PINGS.scheduleAtFixedRate(this::ping, period, period, TimeUnit.SECONDS);
    }

    private void readLoop(Handler handler) {
        WireMqtt.Frame frame = new WireMqtt.Frame();
        String why = "closed";
        try {
            while (true) {
                int read = input.read(in.array(), in.position(), in.remaining());
                if (read < 0) {
                    why = "the broker closed the connection";
                    break;
                }
                long readNanos = System.nanoTime();
                in.position(in.position() + read).flip();
                while (frame.next(in)) {
                    handler.frame(frame, in, readNanos);
                }
                handler.endOfRead();
                in.compact();
                if (frame.frameBytes > in.capacity()) { // a frame larger than the buffer: grow it to fit
                    in = ByteBuffer.allocate(frame.frameBytes).put(in.flip());
                }
            }
        } catch (IOException | RuntimeException e) {
            why = closing ? "closed" : e.toString();
        } finally {
            if (!closing) {
                System.err.println("[bench] MQTT connection " + name + " ended: " + why);
                closeSocket();
            }
            handler.closed(why);
        }
    }

    /** Writes these bytes whole; writes from several threads do not interleave. */
    synchronized void write(byte[] bytes, int offset, int length) throws IOException {
        output.write(bytes, offset, length);
    }

    private void ping() {
        ByteBuffer pingreq = ByteBuffer.allocate(2);
        WireMqtt.putPingreq(pingreq);
        try {
            write(pingreq.array(), 0, pingreq.position());
        } catch (IOException e) {
            // the reader thread sees the connection end and reports it
        }
    }

    /** Sends DISCONNECT and waits (5 s at most) for the broker to close its side, then closes the socket. */
    @Override
    public void close() {
        closing = true;
        if (pings != null) {
            pings.cancel(false);
        }
        try {
            ByteBuffer disconnect = ByteBuffer.allocate(2);
            WireMqtt.putDisconnect(disconnect);
            write(disconnect.array(), 0, disconnect.position());
            socket.shutdownOutput();
            if (reader != null) {
                reader.join(5_000);
            }
        } catch (IOException e) {
            // already gone: nothing to say goodbye to
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeSocket();
        }
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}

package io.mqttreplicator.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TcpProxyTest {

    private ServerSocket echoServer;
    private TcpProxy proxy;

    @BeforeEach
    void startEchoServerAndProxy() throws IOException {
        echoServer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::echoAll, "echo-server");
        acceptor.setDaemon(true);
        acceptor.start();
        proxy = TcpProxy.start(echoServer.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        proxy.close();
        echoServer.close();
    }

    @Test
    void passesBytesBothWays() throws IOException {
        try (Socket socket = connect()) {
            assertThat(roundTrip(socket, "hello")).isEqualTo("hello");
            assertThat(roundTrip(socket, "again")).isEqualTo("again");
        }
    }

    @Test
    void blackholeKeepsConnectionsOpenAndDropsBytesUntilHealed() throws IOException {
        try (Socket before = connect()) {
            assertThat(roundTrip(before, "up")).isEqualTo("up");
            proxy.blackhole();

            write(before, "lost");
            assertThatThrownBy(() -> read(before, 4)).isInstanceOf(SocketTimeoutException.class);
            try (Socket during = connect()) {
                write(during, "also lost");
                assertThatThrownBy(() -> read(during, 9)).isInstanceOf(SocketTimeoutException.class);
                assertThat(proxy.openConnections()).as("connections kept open").isEqualTo(2);
                await().atMost(Duration.ofSeconds(5)).until(() -> proxy.droppedBytes() == "lost".length() + "also lost".length());

                proxy.heal();

                assertClosed(before);
                assertClosed(during);
            }
        }
        try (Socket after = connect()) {
            assertThat(roundTrip(after, "back")).isEqualTo("back");
        }
    }

    @Test
    void cutClosesEveryConnectionAndAcceptsNewOnes() throws IOException {
        try (Socket first = connect(); Socket second = connect()) {
            assertThat(roundTrip(first, "a")).isEqualTo("a");
            assertThat(roundTrip(second, "b")).isEqualTo("b");

            proxy.cutAll();

            assertClosed(first);
            assertClosed(second);
        }
        try (Socket again = connect()) {
            assertThat(roundTrip(again, "c")).isEqualTo("c");
        }
        assertThat(proxy.acceptedConnections()).isEqualTo(3);
    }

    /** The proxy resets the connections it closes: a read ends in an error or the end of the stream. */
    private static void assertClosed(Socket socket) {
        assertThatThrownBy(() -> {
            if (socket.getInputStream().read() == -1) {
                throw new IOException("end of stream");
            }
        }).isInstanceOf(IOException.class).isNotInstanceOf(SocketTimeoutException.class);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        socket.setSoTimeout(1_000);
        return socket;
    }

    private static String roundTrip(Socket socket, String text) throws IOException {
        write(socket, text);
        return read(socket, text.length());
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String read(Socket socket, int length) throws IOException {
        byte[] bytes = socket.getInputStream().readNBytes(length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private void echoAll() {
        while (!echoServer.isClosed()) {
            try {
                Socket socket = echoServer.accept();
                Thread echo = new Thread(() -> echo(socket), "echo");
                echo.setDaemon(true);
                echo.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException ended) {
            // the proxy closed it
        }
    }
}

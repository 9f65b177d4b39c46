package io.enhance.worker.emulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The emulator's listening socket, relaying each connection to its HTTP server, so that it can play a
 * server whose keep-alive timeout is {@link EmulatorSettings#getIdleTimeoutMs()}: a request arriving on
 * a connection idle for longer is dropped unanswered, as if the server had closed the connection just as
 * the client sent on it. Deterministic, unlike the real race. Each connection is known by its socket:
 * the client's port cannot tell them apart, since loopback hands a closed connection's port out again at once.
 * It also plays {@link EmulatorSettings#getResetRate()}: a submit's connection reset as its request arrives,
 * before the server reads any of it.
 */
final class ConnectionFront implements AutoCloseable {

    private static final int BUFFER = 64 * 1024;

    private final ServerSocket listener;
    private final InetSocketAddress server;
    private static final byte[] SUBMIT_START = ("POST /api/v3/" + PredictionEndpoints.MODEL).getBytes(StandardCharsets.US_ASCII);

    private final EmulatorSettings settings;
    private final FaultDice dice;
    private final ExecutorService relays;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger resets = new AtomicInteger();

    ConnectionFront(InetSocketAddress bind, InetSocketAddress server, EmulatorSettings settings, FaultDice dice,
            ThreadFactory threads) throws IOException {
        this.server = server;
        this.settings = settings;
        this.dice = dice;
        this.relays = Executors.newCachedThreadPool(threads);
        listener = new ServerSocket();
        listener.setReuseAddress(true);
        listener.bind(bind, 256);
        relays.execute(this::accept);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Submit connections reset so far. */
    int resets() {
        return resets.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                relays.execute(() -> relay(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    /** One client connection: requests go on to the HTTP server, answers come back, until either side closes. */
    private void relay(Socket client) {
        Connection connection = new Connection();
        try (client; Socket upstream = new Socket()) {
            open.add(client);
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            upstream.connect(server);
            relays.execute(() -> answers(upstream, client, connection));
            requests(client, upstream, connection);
        } catch (IOException | RuntimeException gone) {
            // either side went away: the connection ends, as it would on a real server
        } finally {
            open.remove(client);
        }
    }

    private void requests(Socket client, Socket upstream, Connection connection) throws IOException {
        InputStream in = client.getInputStream();
        OutputStream out = upstream.getOutputStream();
        byte[] buffer = new byte[BUFFER];
        for (int n; (n = in.read(buffer)) != -1;) {
            if (connection.idleTooLong(settings.getIdleTimeoutMs())) {
                return; // closes both sockets without an answer
            }
            if (connection.startsRequest() && startsWith(buffer, n, SUBMIT_START) && dice.rollReset()) {
                client.setSoLinger(true, 0); // the close sends RST: the client sees "Connection reset"
                resets.incrementAndGet();
                return;
            }
            connection.heard();
            out.write(buffer, 0, n);
            out.flush();
        }
        upstream.shutdownOutput();
    }

    private static boolean startsWith(byte[] buffer, int length, byte[] start) {
        return length >= start.length && Arrays.equals(buffer, 0, start.length, start, 0, start.length);
    }

    private static void answers(Socket upstream, Socket client, Connection connection) {
        try (upstream) {
            InputStream in = upstream.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buffer = new byte[BUFFER];
            for (int n; (n = in.read(buffer)) != -1;) {
                out.write(buffer, 0, n);
                out.flush();
                connection.answered();
            }
        } catch (IOException gone) {
            // the client or the server closed
        } finally {
            try {
                client.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        relays.shutdownNow();
        try {
            relays.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * When a connection last carried bytes; idle counts only once it has answered at least once. The first
     * bytes after an answer (or on a new connection) start the next request: clients here do not pipeline.
     */
    private static final class Connection {

        private volatile long lastActivity = System.nanoTime();
        private volatile boolean hasAnswered;
        private volatile boolean betweenRequests = true;

        void heard() {
            lastActivity = System.nanoTime();
            betweenRequests = false;
        }

        boolean startsRequest() {
            return betweenRequests;
        }

        void answered() {
            hasAnswered = true;
            betweenRequests = true;
            lastActivity = System.nanoTime();
        }

        boolean idleTooLong(long timeoutMs) {
            return timeoutMs > 0 && hasAnswered
                    && System.nanoTime() - lastActivity > TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        }
    }
}

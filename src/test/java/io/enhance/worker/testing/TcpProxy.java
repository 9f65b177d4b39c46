package io.enhance.worker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP relay between a client and a server (plain JDK sockets), so that a test can take a shared
 * service "down" for one client only: {@link #cut()} closes the listener and every relayed
 * connection, {@link #restore()} listens again on the same port.
 */
public final class TcpProxy implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MS = 5_000;

    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    private TcpProxy(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    /** Relays 127.0.0.1:{any free port} to {@code host:targetPort}, listening from now on. */
    public static TcpProxy to(String host, int targetPort) throws IOException {
        TcpProxy proxy = new TcpProxy(new InetSocketAddress(host, targetPort), WorkerProcess.freePort());
        proxy.restore();
        return proxy;
    }

    public int port() {
        return port;
    }

    /** Listens again on the same port; new connections are relayed. */
    public synchronized void restore() throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listener = socket;
        daemon("tcp-proxy-accept-" + port, () -> accept(socket));
    }

    /** Refuses new connections and breaks every relayed one, as a server that went away. */
    public synchronized void cut() {
        closeQuietly(listener);
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    private void accept(ServerSocket socket) {
        while (!socket.isClosed()) {
            Socket client;
            try {
                client = socket.accept();
            } catch (IOException closed) {
                return; // by cut()
            }
            Socket server = new Socket();
            open.add(client);
            open.add(server);
            try {
                server.connect(target, CONNECT_TIMEOUT_MS);
                pump(client, server);
                pump(server, client);
            } catch (IOException refused) {
                closeQuietly(client);
                closeQuietly(server);
            }
        }
    }

    private void pump(Socket from, Socket to) {
        daemon("tcp-proxy-pump-" + port, () -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException broken) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        });
    }

    private static void daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(java.io.Closeable closeable) {
        try {
            if (closeable != null) {
                closeable.close();
            }
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
    }
}

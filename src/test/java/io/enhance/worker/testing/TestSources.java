package io.enhance.worker.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Source images on 127.0.0.1 that answer exactly as told, headers and all: an image, one declared
 * larger than it is, a 404, a server that refuses HEAD, or one that never answers. Written on plain
 * sockets, so that a HEAD can declare any Content-Length without sending a body. Serves a test class
 * as a {@code static} {@link org.junit.jupiter.api.extension.RegisterExtension}, or a block from {@link #start()}.
 */
public final class TestSources implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

    /** How one path answers a HEAD and a GET (ranged or not). */
    private record Source(int headStatus, String contentType, long declaredBytes, byte[] body, boolean silent,
            Duration delay) {
    }

    private static final Source MISSING = new Source(404, null, 0, new byte[0], false, Duration.ZERO);

    private final ExecutorService connections = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "test-sources");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Source> sources = new ConcurrentHashMap<>();
    private ServerSocket server;

    /** Listening, until {@link #close()}. */
    public static TestSources start() {
        TestSources started = new TestSources();
        started.beforeAll(null);
        return started;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        connections.execute(this::accept);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        close();
    }

    /** A PNG, whole to a GET and described to a HEAD. */
    public String image(String path, byte[] png) {
        return put(path, new Source(200, "image/png", png.length, png, false, Duration.ZERO));
    }

    /** A PNG that answers only after {@code delay}, a HEAD as a GET. */
    public String imageAfter(String path, byte[] png, Duration delay) {
        return put(path, new Source(200, "image/png", png.length, png, false, delay));
    }

    /** A PNG whose server answers HEAD with 403, as a URL presigned for GET does; a ranged GET is answered. */
    public String imageRefusingHead(String path, byte[] png) {
        return put(path, new Source(403, "image/png", png.length, png, false, Duration.ZERO));
    }

    /** Said to be {@code bytes} long, in the Content-Length of a HEAD and the Content-Range of a ranged GET. */
    public String declaredAs(String path, String contentType, long bytes) {
        return put(path, new Source(200, contentType, bytes, new byte[1], false, Duration.ZERO));
    }

    /** Takes the connection and never answers. */
    public String silent(String path) {
        return put(path, new Source(0, null, 0, null, true, Duration.ZERO));
    }

    /** Any path not put answers 404. */
    public String missing(String path) {
        return url(path);
    }

    private String put(String path, Source source) {
        sources.put(path, source);
        return url(path);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getLocalPort() + path;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.execute(() -> answer(socket));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            BufferedReader request = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            String[] line = request.readLine().split(" ");
            boolean ranged = false;
            for (String header; (header = request.readLine()) != null && !header.isEmpty();) {
                ranged |= header.toLowerCase(Locale.ROOT).startsWith("range:");
            }
            Source source = sources.getOrDefault(line[1], MISSING);
            if (source.silent()) {
                socket.getInputStream().read(); // until the caller gives up and closes
                return;
            }
            Thread.sleep(source.delay().toMillis());
            boolean head = line[0].equals("HEAD");
            int status = head ? source.headStatus() : source.headStatus() == 404 ? 404 : ranged ? 206 : 200;
            byte[] body = head || status == 404 ? new byte[0] : ranged ? new byte[] {source.body()[0]} : source.body();
            StringBuilder headers = new StringBuilder("HTTP/1.1 " + status + " Answer\r\nConnection: close\r\n");
            if (source.contentType() != null && status / 100 == 2) {
                headers.append("Content-Type: ").append(source.contentType()).append("\r\n");
            }
            if (status == 206) {
                headers.append("Content-Range: bytes 0-0/").append(source.declaredBytes()).append("\r\n");
            }
            headers.append("Content-Length: ").append(head && status == 200 ? source.declaredBytes() : body.length).append("\r\n\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(headers.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        } catch (IOException | RuntimeException dropped) {
            // the caller went away
        } catch (InterruptedException closing) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        connections.shutdownNow();
    }
}

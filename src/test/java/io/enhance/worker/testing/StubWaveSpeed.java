package io.enhance.worker.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP server that answers every request with one scripted response taken from the documented
 * JSON shapes (test resources under {@code wavespeed/}), and remembers what it was sent.
 */
public final class StubWaveSpeed implements AutoCloseable {

    /** What the stub received. */
    public record Received(String method, String path, String query, String authorization, String body) {
    }

    private final HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile byte[] body = new byte[0];
    private volatile String contentType = "application/json";
    private volatile java.util.Map<String, String> headers = java.util.Map.of();

    public StubWaveSpeed() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody(); OutputStream out = exchange.getResponseBody()) {
                received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders().getFirst("Authorization"),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                exchange.getResponseHeaders().set("Content-Type", contentType);
                headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
                exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
                out.write(body);
            }
        });
        server.start();
    }

    /** Answers with {@code status} and the fixture {@code wavespeed/<fixture>}. */
    public StubWaveSpeed answer(int status, String fixture) throws IOException {
        try (InputStream in = StubWaveSpeed.class.getClassLoader().getResourceAsStream("wavespeed/" + fixture)) {
            this.body = in.readAllBytes();
        }
        this.status = status;
        this.contentType = fixture.endsWith(".html") ? "text/html" : "application/json";
        return this;
    }

    /** Adds response headers to every answer from now on. */
    public StubWaveSpeed withHeaders(java.util.Map<String, String> headers) {
        this.headers = java.util.Map.copyOf(headers);
        return this;
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

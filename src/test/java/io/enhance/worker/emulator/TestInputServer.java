package io.enhance.worker.emulator;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/** The outside world of a test: serves input images and receives webhooks, optionally failing some. */
final class TestInputServer implements AutoCloseable {

    /** One webhook delivery as received. */
    record Hook(String id, String timestamp, String signature, byte[] body, String rawQuery) {
    }

    private final HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final BlockingQueue<Hook> hooks = new LinkedBlockingQueue<>();
    private final AtomicInteger hookFailuresLeft = new AtomicInteger();

    private TestInputServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task, "test-input-server");
            thread.setDaemon(true);
            return thread;
        }));
        server.start();
    }

    static TestInputServer start() {
        try {
            return new TestInputServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String serve(String path, byte[] bytes) {
        files.put(path, bytes);
        return url(path);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    void failNextHooks(int count) {
        hookFailuresLeft.set(count);
    }

    Hook nextHook(long timeoutMs) throws InterruptedException {
        Hook hook = hooks.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (hook == null) {
            throw new AssertionError("No webhook arrived within " + timeoutMs + " ms");
        }
        return hook;
    }

    int pendingHooks() {
        return hooks.size();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (path.startsWith("/hook")) {
                hooks.add(new Hook(exchange.getRequestHeaders().getFirst("webhook-id"),
                        exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                        exchange.getRequestHeaders().getFirst("webhook-signature"), body,
                        exchange.getRequestURI().getRawQuery()));
                exchange.sendResponseHeaders(hookFailuresLeft.getAndDecrement() > 0 ? 500 : 204, -1);
                return;
            }
            byte[] file = files.get(path);
            if (file == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.sendResponseHeaders(200, file.length);
            exchange.getResponseBody().write(file);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** A small picture with edges, gradients and colour, so enhancement has something to work on. */
    static byte[] picture(int width, int height, String format) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(30, 60, 200), width, height, new Color(240, 200, 40)));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.setStroke(new BasicStroke(2));
        g.drawOval(width / 4, height / 4, width / 2, height / 2);
        g.setColor(new Color(200, 30, 30));
        g.fillRect(2, 2, width / 5, height / 5);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}

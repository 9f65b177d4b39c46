package io.enhance.worker.benchmark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A cheap S3 stand-in for the benchmark, so that it measures the worker and not the store: path-style
 * buckets and objects in memory, CreateBucket, HeadBucket, PutObject (plain, or aws-chunked as the AWS SDK
 * streams it), GetObject and HeadObject. Signatures are not checked. Runs as its own process
 * ({@code main(port)}), so that its CPU is counted apart from the worker's.
 */
public final class MemoryS3 {

    private record StoredObject(byte[] bytes, String contentType, String etag, Map<String, String> metadata) {
    }

    private final Set<String> buckets = ConcurrentHashMap.newKeySet();
    private final Map<String, StoredObject> objects = new ConcurrentHashMap<>();

    public static void main(String[] args) throws IOException {
        System.out.println("S3 stand-in listening on " + start(Integer.parseInt(args[0])).getAddress());
    }

    /** Serves on {@code port} of the loopback address (0 = any free port) until stopped. */
    static HttpServer start(int port) throws IOException {
        // without it, the separate header and body writes meet the client's delayed ACK: ~40 ms per answer
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        server.createContext("/", new MemoryS3()::handle);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        return server;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            int slash = path.indexOf('/', 1);
            String bucket = slash < 0 ? path.substring(1) : path.substring(1, slash);
            String key = slash < 0 ? "" : path.substring(slash + 1);
            String method = exchange.getRequestMethod();
            if (key.isEmpty()) {
                if (method.equals("PUT")) {
                    exchange.getRequestBody().readAllBytes();
                    buckets.add(bucket);
                    exchange.sendResponseHeaders(200, -1);
                } else if (buckets.contains(bucket)) {
                    exchange.sendResponseHeaders(200, -1);
                } else {
                    error(exchange, 404, "NoSuchBucket");
                }
            } else if (!buckets.contains(bucket)) {
                error(exchange, 404, "NoSuchBucket");
            } else if (method.equals("PUT")) {
                put(exchange, bucket + "/" + key);
            } else {
                get(exchange, objects.get(bucket + "/" + key), method.equals("HEAD"));
            }
        }
    }

    private void put(HttpExchange exchange, String name) throws IOException {
        Headers headers = exchange.getRequestHeaders();
        byte[] body = exchange.getRequestBody().readAllBytes();
        String payload = headers.getFirst("x-amz-content-sha256");
        String encoding = headers.getFirst("Content-Encoding");
        if ((payload != null && payload.startsWith("STREAMING-")) || (encoding != null && encoding.contains("aws-chunked"))) {
            body = decodeChunks(body);
        }
        Map<String, String> metadata = new ConcurrentHashMap<>();
        headers.forEach((header, values) -> {
            if (header.toLowerCase(Locale.ROOT).startsWith("x-amz-meta-")) {
                metadata.put(header.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        String etag = "\"" + HexFormat.of().formatHex(md5(body)) + "\"";
        String type = headers.getFirst("Content-Type");
        objects.put(name, new StoredObject(body, type == null ? "application/octet-stream" : type, etag, metadata));
        exchange.getResponseHeaders().set("ETag", etag);
        exchange.sendResponseHeaders(200, -1);
    }

    private static void get(HttpExchange exchange, StoredObject object, boolean headOnly) throws IOException {
        if (object == null) {
            error(exchange, 404, "NoSuchKey");
            return;
        }
        Headers headers = exchange.getResponseHeaders();
        headers.set("Content-Type", object.contentType());
        headers.set("ETag", object.etag());
        object.metadata().forEach(headers::set);
        if (headOnly) {
            headers.set("Content-Length", String.valueOf(object.bytes().length));
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, object.bytes().length);
        exchange.getResponseBody().write(object.bytes());
    }

    /** aws-chunked: {@code hex-size[;chunk-signature=...]\r\n bytes \r\n}, until a chunk of size 0 and the trailers. */
    static byte[] decodeChunks(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length);
        int at = 0;
        while (at < body.length) {
            int lineEnd = indexOfCrLf(body, at);
            String line = new String(body, at, lineEnd - at, StandardCharsets.US_ASCII);
            int size = Integer.parseInt(line.split(";", 2)[0].trim(), 16);
            if (size == 0) {
                break;
            }
            out.write(body, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrLf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("aws-chunked body without a chunk header end");
    }

    private static void error(HttpExchange exchange, int status, String code) throws IOException {
        byte[] xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
                + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/xml");
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, xml.length);
        exchange.getResponseBody().write(xml);
    }

    private static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

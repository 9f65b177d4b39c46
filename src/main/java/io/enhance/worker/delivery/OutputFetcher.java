package io.enhance.worker.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.enhance.worker.config.PipelineConfig;

/**
 * Streams one output (a URL, or a base64 string) into a temporary file while hashing it, then checks
 * that it really is a JPEG or PNG and reads its size from the header, without decoding the pixels.
 */
@ApplicationScoped
class OutputFetcher {

    private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(2);

    private static final int MAX_REDIRECTS = 5;

    // redirects are followed by hand, so that every hop passes the address policy
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final long maxBytes;
    private final OutputAddressPolicy addresses;

    @Inject
    OutputFetcher(PipelineConfig pipeline) {
        this(pipeline.maxOutputBytes(), new OutputAddressPolicy(pipeline.outputPrivateHosts().orElse(Set.of())));
    }

    OutputFetcher(long maxBytes, OutputAddressPolicy addresses) {
        this.maxBytes = maxBytes;
        this.addresses = addresses;
    }

    FetchedOutput fetch(String output, boolean base64) throws DeliveryException {
        return base64 ? decode(output) : download(output);
    }

    private FetchedOutput download(String url) throws DeliveryException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw DeliveryException.permanent("output_unavailable", "output is not a URL");
        }
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            addresses.check(uri);
            HttpResponse<InputStream> response = get(uri);
            try (InputStream body = response.body()) {
                int status = response.statusCode();
                Optional<String> location = response.headers().firstValue("Location");
                if (status / 100 == 3 && location.isPresent()) {
                    uri = uri.resolve(location.get());
                    continue;
                }
                if (status == 404 || status == 410 || status == 403) {
                    throw DeliveryException.permanent("output_unavailable",
                            "output URL answered HTTP " + status + " (outputs expire after 7 days)");
                }
                if (status != 200) {
                    throw DeliveryException.transientFailure("output URL answered HTTP " + status, null);
                }
                return store(body);
            } catch (IOException e) {
                throw DeliveryException.transientFailure("output download failed: " + e, e);
            }
        }
        throw DeliveryException.permanent("output_unavailable", "output URL redirects more than " + MAX_REDIRECTS + " times");
    }

    private HttpResponse<InputStream> get(URI uri) throws DeliveryException {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(DOWNLOAD_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw DeliveryException.transientFailure("output download failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DeliveryException.transientFailure("interrupted", e);
        }
    }

    private FetchedOutput decode(String base64) throws DeliveryException {
        try (InputStream body = Base64.getMimeDecoder().wrap(
                new java.io.ByteArrayInputStream(base64.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))) {
            return store(body);
        } catch (IllegalArgumentException | IOException e) {
            throw DeliveryException.permanent("output_invalid", "base64 output cannot be decoded: " + e.getMessage());
        }
    }

    private FetchedOutput store(InputStream body) throws IOException, DeliveryException {
        Path file = Files.createTempFile("enhance-output-", ".img");
        try {
            MessageDigest sha256 = sha256();
            long size;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha256)) {
                size = copyAtMost(body, out);
            }
            FetchedOutput fetched = inspect(file, size, HexFormat.of().formatHex(sha256.digest()));
            file = null; // now owned by the caller
            return fetched;
        } finally {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    private long copyAtMost(InputStream in, OutputStream out) throws IOException, DeliveryException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) != -1;) {
            total += n;
            if (total > maxBytes) {
                throw DeliveryException.permanent("output_invalid", "output is larger than " + maxBytes + " bytes");
            }
            out.write(buffer, 0, n);
        }
        return total;
    }

    private static FetchedOutput inspect(Path file, long size, String sha256) throws IOException, DeliveryException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(ImageType.SIGNATURE_BYTES);
        }
        ImageType type = ImageType.detect(head).orElseThrow(() -> DeliveryException.permanent("output_invalid",
                "output is neither a JPEG nor a PNG (" + size + " bytes)"));
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw DeliveryException.permanent("output_invalid", "output image cannot be read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new FetchedOutput(file, type, size, sha256, reader.getWidth(0), reader.getHeight(0));
            } catch (IOException e) {
                throw DeliveryException.permanent("output_invalid", "output image is damaged: " + e.getMessage());
            } finally {
                reader.dispose();
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}

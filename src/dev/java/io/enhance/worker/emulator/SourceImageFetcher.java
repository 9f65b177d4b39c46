package io.enhance.worker.emulator;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/** Downloads a prediction's {@code image} URL and decodes it, accepting JPEG and PNG only, as the model does. */
final class SourceImageFetcher {

    static final int MAX_BYTES = 50 * 1024 * 1024;
    static final int MAX_SIDE = 4096;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client;

    SourceImageFetcher(HttpClient client) {
        this.client = client;
    }

    byte[] download(String url) throws PredictionFailure, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET().build();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new PredictionFailure("Failed to download image " + url + ": HTTP " + response.statusCode());
                }
                byte[] bytes = body.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw new PredictionFailure("Image " + url + " is larger than " + MAX_BYTES / (1024 * 1024) + " MB");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new PredictionFailure("Failed to download image " + url + ": " + describe(e));
        }
    }

    static BufferedImage decode(byte[] bytes) throws PredictionFailure {
        // memory-cached on purpose: ImageIO's default stream cache writes a temp file per image
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new PredictionFailure("Unsupported image: the file is not a JPEG or PNG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!format.equals("jpeg") && !format.equals("png")) {
                    throw new PredictionFailure("Unsupported image format " + format + ": only JPEG and PNG are accepted");
                }
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width > MAX_SIDE || height > MAX_SIDE) {
                    throw new PredictionFailure("Image is too large: " + width + "x" + height
                            + " (at most " + MAX_SIDE + " pixels per side)");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new PredictionFailure("Could not decode image: " + describe(e));
        }
    }

    /** The exception's type and the first message along its causes: HttpClient often leaves its own blank. */
    private static String describe(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                return e.getClass().getSimpleName() + ": " + cause.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }
}

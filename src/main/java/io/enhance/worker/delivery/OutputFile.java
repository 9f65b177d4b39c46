package io.enhance.worker.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * A temporary file that an output is written into while being hashed and held to the size cap; once
 * complete, it is checked to be a real JPEG or PNG and its size read from the header, without decoding
 * the pixels. Closing it deletes the file unless {@link #finish} handed it over.
 */
final class OutputFile implements AutoCloseable {

    private final long maxBytes;
    private final MessageDigest sha256 = sha256();
    private Path file;
    private final OutputStream out;
    private long size;

    OutputFile(long maxBytes) throws IOException {
        this.maxBytes = maxBytes;
        this.file = Files.createTempFile("enhance-output-", ".img");
        this.out = new DigestOutputStream(Files.newOutputStream(file), sha256);
    }

    void write(byte[] bytes, int offset, int length) throws IOException, DeliveryException {
        size += length;
        if (size > maxBytes) {
            throw DeliveryException.permanent("output_invalid", "output is larger than " + maxBytes + " bytes");
        }
        out.write(bytes, offset, length);
    }

    void writeAll(InputStream in) throws IOException, DeliveryException {
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) != -1;) {
            write(buffer, 0, n);
        }
    }

    /** Checks what was written and hands the file over to the caller. */
    FetchedOutput finish() throws IOException, DeliveryException {
        out.close();
        FetchedOutput fetched = inspect(file, size, HexFormat.of().formatHex(sha256.digest()));
        file = null;
        return fetched;
    }

    @Override
    public void close() throws IOException {
        out.close();
        if (file != null) {
            Files.deleteIfExists(file);
        }
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

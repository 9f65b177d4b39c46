package io.enhance.worker.delivery;

import java.util.Arrays;
import java.util.Optional;

/** The output formats WaveSpeed produces, recognised by their leading bytes rather than by any label. */
enum ImageType {
    JPEG("image/jpeg", "jpg", new byte[] { (byte) 0xFF, (byte) 0xD8, (byte) 0xFF }),
    PNG("image/png", "png", new byte[] { (byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A });

    static final int SIGNATURE_BYTES = 8;

    final String contentType;
    final String extension;
    private final byte[] signature;

    ImageType(String contentType, String extension, byte[] signature) {
        this.contentType = contentType;
        this.extension = extension;
        this.signature = signature;
    }

    static Optional<ImageType> detect(byte[] head) {
        return Arrays.stream(values())
                .filter(type -> head.length >= type.signature.length
                        && Arrays.equals(head, 0, type.signature.length, type.signature, 0, type.signature.length))
                .findFirst();
    }
}

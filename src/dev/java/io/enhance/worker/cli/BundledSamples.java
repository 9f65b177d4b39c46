package io.enhance.worker.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import software.amazon.awssdk.core.sync.RequestBody;

/** The sample images the demo runs, bundled on the classpath (src/dev/resources/samples). */
final class BundledSamples {

    private BundledSamples() {
    }

    /** The images a classpath folder lists in its {@code index.txt} (a jar lists no folders), to upload to {@code bucket}. */
    static List<InputImage> inFolder(String folder, String bucket, String batch) throws IOException {
        List<InputImage> images = new ArrayList<>();
        for (String name : new String(resource(folder + "/index.txt"), StandardCharsets.UTF_8).lines()
                .map(String::strip).filter(line -> !line.isEmpty()).sorted().toList()) {
            byte[] bytes = resource(folder + "/" + name);
            images.add(new InputImage(name, bucket, InputImages.uploadKey(batch, name), bytes.length,
                    Optional.of(new InputImage.Upload(() -> RequestBody.fromBytes(bytes), Sha256.of(bytes)))));
        }
        return images;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BundledSamples.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("bundled resource missing: " + name);
            }
            return in.readAllBytes();
        }
    }
}

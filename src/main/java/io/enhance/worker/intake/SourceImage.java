package io.enhance.worker.intake;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/** Where a job's source image lives: an http(s) URL handed to WaveSpeed as is, or an object in S3. */
public record SourceImage(URI uri) {

    public static SourceImage of(String value) {
        return new SourceImage(URI.create(value));
    }

    public boolean inS3() {
        return "s3".equals(uri.getScheme());
    }

    public String bucket() {
        return uri.getHost();
    }

    public String key() {
        return uri.getPath().substring(1);
    }

    /** What is wrong with {@code value} as a source image reference, if anything. */
    static Optional<String> problemWith(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            // the reason and position only: the whole message would quote the URL, signature and all
            return Optional.of("is not a valid URL: " + e.getReason() + " at index " + e.getIndex());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme();
        switch (scheme) {
            case "http", "https" -> {
                return uri.getHost() == null ? Optional.of("URL has no host") : Optional.empty();
            }
            case "s3" -> {
                boolean complete = uri.getHost() != null && uri.getPath() != null && uri.getPath().length() > 1;
                return complete ? Optional.empty() : Optional.of("must look like s3://bucket/key");
            }
            default -> {
                return Optional.of("must be an http://, https:// or s3://bucket/key URL");
            }
        }
    }
}

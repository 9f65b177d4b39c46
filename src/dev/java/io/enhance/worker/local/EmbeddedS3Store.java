package io.enhance.worker.local;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/** An S3-compatible store (S3Proxy) in this JVM: on disk for local runs, in memory for tests. */
public final class EmbeddedS3Store implements AutoCloseable {

    private final S3Proxy proxy;
    private final Path directory;

    private EmbeddedS3Store(S3Proxy proxy, Path directory) {
        this.proxy = proxy;
        this.directory = directory;
    }

    /** A store that keeps each object as the file {@code directory/bucket/key}. */
    public static EmbeddedS3Store onDisk(Path directory, int port, String accessKey, String secretKey) {
        try {
            Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the S3 store folder " + directory, e);
        }
        Path absolute = directory.toAbsolutePath().normalize();
        return start(new FilesystemNio2BlobStore(absolute.toString()), absolute, port, accessKey, secretKey);
    }

    public static EmbeddedS3Store inMemory(int port, String accessKey, String secretKey) {
        return start(new TransientNio2BlobStore(), null, port, accessKey, secretKey);
    }

    private static EmbeddedS3Store start(BlobStore store, Path directory, int port, String accessKey,
            String secretKey) {
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            throw new IllegalStateException("embedded S3 store did not start on port " + port, e);
        }
        return new EmbeddedS3Store(proxy, directory);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Where an object lives on disk, for a store kept on disk. */
    public Path fileOf(String bucket, String key) {
        return directory.resolve(bucket).resolve(key);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("embedded S3 store did not stop", e);
        }
    }
}

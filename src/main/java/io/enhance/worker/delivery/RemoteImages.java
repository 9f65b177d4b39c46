package io.enhance.worker.delivery;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Fetches an http(s) image the worker did not make, a job's source for the dashboard's before and
 * after, under the rules of output downloads ({@link OutputFetcher}): no internal address unless
 * {@code PIPELINE_OUTPUT_PRIVATE_HOSTS} allows its host, the size cap, the deadline, and a JPEG or PNG
 * only, so that nothing else a publisher's URL serves is handed out under the worker's origin.
 */
@ApplicationScoped
public class RemoteImages {

    /** A fetched image in a temporary file, which {@link #close} deletes. */
    public static final class Image implements AutoCloseable {

        private final FetchedOutput fetched;

        private Image(FetchedOutput fetched) {
            this.fetched = fetched;
        }

        public String contentType() {
            return fetched.type().contentType;
        }

        public long size() {
            return fetched.size();
        }

        public void copyTo(OutputStream out) throws IOException {
            Files.copy(fetched.file(), out);
        }

        @Override
        public void close() throws IOException {
            fetched.close();
        }
    }

    /** Why an image was not fetched; {@link #refused} when the address policy forbade even trying. */
    public static final class NotFetched extends Exception {

        private final boolean refused;

        private NotFetched(DeliveryException cause) {
            super(cause.getMessage(), null, false, false);
            this.refused = "output_refused".equals(cause.code);
        }

        public boolean refused() {
            return refused;
        }
    }

    private final OutputFetcher fetcher;

    RemoteImages(OutputFetcher fetcher) {
        this.fetcher = fetcher;
    }

    public Image fetch(String url) throws NotFetched {
        try {
            return new Image(fetcher.fetch(url, false));
        } catch (DeliveryException e) {
            throw new NotFetched(e);
        }
    }
}

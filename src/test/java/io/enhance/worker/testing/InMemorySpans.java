package io.enhance.worker.testing;

import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;

/**
 * Keeps every finished span in memory, for tests that check span trees. An alternative, enabled only by
 * the test profiles that need it, so that other tests do not collect spans for the whole run.
 */
@Alternative
@Singleton
public class InMemorySpans {

    @Produces
    @Singleton
    InMemorySpanExporter exporter() {
        return InMemorySpanExporter.create();
    }
}

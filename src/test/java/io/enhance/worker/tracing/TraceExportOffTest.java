package io.enhance.worker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Quarkus drops its OTLP span processor while the application has a span exporter of its own, so export
 * is off exactly while {@link NoSpanExport} can be looked up.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
class TraceExportOffTest {

    @Inject
    @Any
    Instance<SpanExporter> exporters;

    @Test
    void withoutAnEndpointTheOnlySpanExporterDiscardsSpansSoNothingIsExported() {
        assertThat(exporters.stream().toList()).singleElement().isInstanceOf(NoSpanExport.class);
    }
}

package io.enhance.worker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.EmbeddedServices;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The standard OTLP endpoint variable turns export on: no exporter of the worker's keeps Quarkus's OTLP one out. */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
@TestProfile(TraceExportOnTest.StandardEndpointVariable.class)
class TraceExportOnTest {

    public static class StandardEndpointVariable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // nothing listens there; the exporter's failures are not logged
            return Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9/");
        }
    }

    @Inject
    @Any
    Instance<SpanExporter> exporters;

    @Test
    void theStandardEndpointVariableLeavesNoExporterThatWouldKeepOtlpOff() {
        assertThat(exporters.isUnsatisfied()).isTrue();
    }
}

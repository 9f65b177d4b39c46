package io.enhance.worker.tracing;

import java.util.Collection;

import jakarta.inject.Singleton;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.arc.lookup.LookupIfProperty;

/**
 * Keeps OTLP export off until an endpoint is configured: Quarkus drops its OTLP span processor when
 * the application has a span exporter of its own, and this one, which discards every span, is there
 * only while the traces endpoint is still the extension's default. Spans are made either way (the
 * context still crosses the worker), and no worker tries to reach a collector that nobody set up.
 */
@Singleton
@LookupIfProperty(name = "quarkus.otel.exporter.otlp.traces.endpoint", stringValue = NoSpanExport.DEFAULT_ENDPOINT,
        lookupIfMissing = true)
public class NoSpanExport implements SpanExporter {

    /** quarkus-opentelemetry's default OTLP endpoint, which application.properties keeps as the fallback. */
    static final String DEFAULT_ENDPOINT = "http://localhost:4317/";

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}

package io.enhance.worker.tracing;

import java.util.HashMap;
import java.util.Map;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * A span's W3C trace context as text ({@code traceparent}, {@code tracestate}), the form in which it
 * is stored with a job or an outbox row and carried in AMQP headers and CloudEvents. W3C whatever
 * propagators are configured: the stored columns and the CloudEvents extension are defined in it.
 *
 * @param traceParent null when there is no context
 * @param traceState null when empty
 */
public record TraceContext(String traceParent, String traceState) {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    public static final TraceContext NONE = new TraceContext(null, null);

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();

    private static final TextMapGetter<Map<String, ?>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, ?> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, ?> carrier, String key) {
            // AMQP string headers arrive as the client's LongString, whose toString is the text
            Object value = carrier == null ? null : carrier.get(key);
            return value == null ? null : value.toString();
        }
    };

    /** The context of {@code span}, or {@link #NONE} if it has none (a span that is not recorded). */
    public static TraceContext of(Span span) {
        SpanContext context = span.getSpanContext();
        if (!context.isValid()) {
            return NONE;
        }
        Map<String, String> carrier = new HashMap<>();
        W3C.inject(Context.root().with(span), carrier, Map::put);
        return new TraceContext(carrier.get(TRACEPARENT), carrier.get(TRACESTATE));
    }

    /** The W3C context in message headers; the root context (a new trace) if they carry no valid one. */
    static Context extract(Map<String, ?> headers) {
        return W3C.extract(Context.root(), headers, HEADERS);
    }

    /** The context to start child spans in; the root context (a new trace) for {@link #NONE}. */
    public Context context() {
        if (traceParent == null) {
            return Context.root();
        }
        Map<String, String> carrier = new HashMap<>();
        carrier.put(TRACEPARENT, traceParent);
        if (traceState != null) {
            carrier.put(TRACESTATE, traceState);
        }
        return extract(carrier);
    }

    public boolean present() {
        return traceParent != null;
    }
}

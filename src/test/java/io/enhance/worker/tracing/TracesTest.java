package io.enhance.worker.tracing;

import static io.enhance.worker.testing.JobRequestBuilder.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.enhance.worker.config.QueuesConfig;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.InMemorySpans;
import io.enhance.worker.testing.TestBroker;
import io.enhance.worker.testing.TestBroker.ReceivedEvent;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The test is the publisher (a span of its own, its context in the request's AMQP headers) and the
 * consumer (a span continuing the event's {@code traceparent}); the worker's spans, kept in memory, must
 * form one tree with both.
 */
@QuarkusTest
@QuarkusTestResource(EmbeddedServices.class)
@TestProfile(TracesTest.SpansInMemory.class)
class TracesTest {

    public static class SpansInMemory implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(InMemorySpans.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.bsp.schedule.delay", "100ms");
        }
    }

    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(60);
    private static final String VENDOR_STATE = "congo=t61rcWkgMzE";

    @Inject
    QueuesConfig queues;

    @Inject
    InMemorySpanExporter spans;

    @Inject
    Tracer tracer;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final TestS3 s3 = EmbeddedServices.s3();
    private TestBroker broker;

    @BeforeEach
    void listen() {
        broker = TestBroker.listeningTo(queues.eventsExchange());
    }

    @AfterEach
    void close() throws Exception {
        broker.close();
    }

    @Test
    void oneTraceCoversThePublisherEveryStageOfTheWorkerAndTheConsumer() {
        String jobId = "traced-" + run;
        Span publisher = tracer.spanBuilder("test publisher").setSpanKind(SpanKind.PRODUCER).startSpan();
        TraceContext sent = TraceContext.of(publisher);
        Map<String, Object> headers = new HashMap<>();
        headers.put(TraceContext.TRACEPARENT, sent.traceParent());
        headers.put(TraceContext.TRACESTATE, VENDOR_STATE);
        broker.publish(queues.requests(), job(jobId, source(jobId)).bytes(), headers);
        publisher.end();

        ReceivedEvent completed = completedEvent(jobId);
        String eventParent = completed.event().path(TraceContext.TRACEPARENT).asText();
        assertThat(completed.event().path(TraceContext.TRACESTATE).asText()).isEqualTo(VENDOR_STATE);
        Span consumer = tracer.spanBuilder("test consumer").setSpanKind(SpanKind.CONSUMER)
                .setParent(new TraceContext(eventParent, VENDOR_STATE).context()).startSpan();
        consumer.end();

        String traceId = publisher.getSpanContext().getTraceId();
        assertThat(eventParent).as("the event's traceparent").contains("-" + traceId + "-");
        Map<String, SpanData> trace = awaitSpans(traceId, "test publisher", JobTraces.INTAKE, JobTraces.SUBMIT,
                JobTraces.POLL, JobTraces.DOWNLOAD, JobTraces.S3_PUT, JobTraces.PUBLISH, "test consumer");

        SpanData intake = trace.get(JobTraces.INTAKE);
        assertThat(intake.getParentSpanId()).isEqualTo(publisher.getSpanContext().getSpanId());
        assertThat(intake.getAttributes().get(JobTraces.JOB_ID)).isEqualTo(jobId);
        assertThat(intake.getAttributes().get(JobTraces.OUTCOME)).isEqualTo("accepted");
        for (String stage : List.of(JobTraces.SUBMIT, JobTraces.POLL, JobTraces.DOWNLOAD, JobTraces.S3_PUT,
                JobTraces.PUBLISH, "test consumer")) {
            assertThat(trace.get(stage).getParentSpanId()).as("parent of " + stage).isEqualTo(intake.getSpanId());
        }
        String predictionId = completed.data().path("prediction_id").asText();
        assertThat(trace.get(JobTraces.SUBMIT).getAttributes().get(JobTraces.PREDICTION_ID)).isEqualTo(predictionId);
        assertThat(trace.get(JobTraces.POLL).getAttributes().get(JobTraces.PREDICTION_ID)).isEqualTo(predictionId);
        assertThat(trace.get(JobTraces.POLL).getAttributes().get(JobTraces.ATTEMPT)).isEqualTo(1L);
        assertThat(trace.get(JobTraces.S3_PUT).getAttributes().get(
                io.opentelemetry.api.common.AttributeKey.stringKey("aws.s3.key")))
                .isEqualTo(completed.data().path("outputs").path(0).path("key").asText());
        // the message's own header names the publish span, for consumers that read AMQP headers
        assertThat(completed.headers().get(TraceContext.TRACEPARENT))
                .contains("-" + traceId + "-" + trace.get(JobTraces.PUBLISH).getSpanId() + "-");
    }

    @Test
    void aRequestWithoutTraceparentStartsANewTraceWhoseIdIsOnItsEvent() {
        String jobId = "untraced-" + run;
        broker.publish(queues.requests(), job(jobId, source(jobId)).bytes());

        String eventParent = completedEvent(jobId).event().path(TraceContext.TRACEPARENT).asText();
        String traceId = eventParent.split("-")[1];
        SpanData intake = awaitSpans(traceId, JobTraces.INTAKE, JobTraces.PUBLISH).get(JobTraces.INTAKE);
        assertThat(intake.getAttributes().get(JobTraces.JOB_ID)).isEqualTo(jobId);
        assertThat(intake.getParentSpanContext().isValid()).as("intake has a parent").isFalse();
        assertThat(eventParent).isEqualTo("00-" + traceId + "-" + intake.getSpanId() + "-01");
    }

    @Test
    void aRejectedRequestsEventContinuesThePublishersTrace() {
        Span publisher = tracer.spanBuilder("test publisher").startSpan();
        String traceId = publisher.getSpanContext().getTraceId();
        broker.publish(queues.requests(), ("{\"job_id\": \"rejected-" + run + "\"}").getBytes(),
                Map.of(TraceContext.TRACEPARENT, TraceContext.of(publisher).traceParent()));
        publisher.end();

        await().atMost(PIPELINE_TIMEOUT).until(() -> !broker.eventsFor("rejected-" + run).isEmpty());
        ReceivedEvent rejected = broker.eventsFor("rejected-" + run).get(0);
        assertThat(rejected.routingKey()).isEqualTo("job.rejected");
        SpanData intake = awaitSpans(traceId, JobTraces.INTAKE).get(JobTraces.INTAKE);
        assertThat(intake.getAttributes().get(JobTraces.OUTCOME)).isEqualTo("rejected");
        assertThat(rejected.event().path(TraceContext.TRACEPARENT).asText())
                .isEqualTo("00-" + traceId + "-" + intake.getSpanId() + "-01");
    }

    private String source(String jobId) {
        return s3.putSource(jobId + "/in.png", TestImages.card(48, 32, 3));
    }

    private ReceivedEvent completedEvent(String jobId) {
        await().atMost(PIPELINE_TIMEOUT).until(() -> broker.eventsFor(jobId).stream()
                .anyMatch(e -> e.routingKey().equals("job.completed")));
        return broker.eventsFor(jobId).stream().filter(e -> e.routingKey().equals("job.completed")).findFirst()
                .orElseThrow();
    }

    /** The first span of each name in the trace, once spans of all these names have been exported. */
    private Map<String, SpanData> awaitSpans(String traceId, String... names) {
        await().atMost(Duration.ofSeconds(20)).until(() -> spansOf(traceId).keySet().containsAll(List.of(names)));
        return spansOf(traceId);
    }

    private Map<String, SpanData> spansOf(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId))
                .collect(Collectors.toMap(SpanData::getName, span -> span, (first, later) -> first));
    }
}

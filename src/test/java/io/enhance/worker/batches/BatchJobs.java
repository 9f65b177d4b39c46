package io.enhance.worker.batches;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.JobStatus;
import io.enhance.worker.jobs.JobStore;
import io.enhance.worker.testing.EmbeddedServices;
import io.enhance.worker.testing.JobRequestBuilder;
import io.enhance.worker.testing.TestImages;
import io.enhance.worker.testing.TestS3;
import io.quarkus.narayana.jta.QuarkusTransaction;

/** A test batch: job {@code i} is {@code <batch>/<i>}, its source a small card or, if asked, a missing object. */
record BatchJobs(String batch, int size) {

    String id(int i) {
        return batch + "/" + i;
    }

    /** The request of job {@code i}; its source is uploaded unless {@code missingSource}. */
    byte[] request(int i, boolean missingSource) {
        String key = batch + "-" + i + ".png";
        String source = missingSource ? "s3://" + TestS3.SOURCES_BUCKET + "/" + key : uploadSource(i);
        return JobRequestBuilder.job(id(i), source).batch(batch).field("batch_size", size).bytes();
    }

    String uploadSource(int i) {
        return EmbeddedServices.s3().putSource(batch + "-" + i + ".png", TestImages.card(16, 16, i));
    }

    Map<String, JobStatus> statuses() {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch).stream()
                .collect(Collectors.toMap(job -> job.jobId, job -> job.status)));
    }

    JobStatus status(int i) {
        return statuses().get(id(i));
    }

    /** Every job of the batch, as stored now. */
    List<Job> jobs() {
        return QuarkusTransaction.requiringNew().call(() -> Job.<Job> list("batchId", batch));
    }

    Job job(int i) {
        return QuarkusTransaction.requiringNew().call(() -> JobStore.findByJobId(id(i)).orElseThrow());
    }

    /** Submit POSTs the emulator received for job {@code i} (its prompt names the job). */
    long paidSubmissions(int i) {
        return EmbeddedServices.emulator().submissions().stream()
                .filter(s -> s.body().path("prompt").asText().equals("enhance " + id(i))).count();
    }

}

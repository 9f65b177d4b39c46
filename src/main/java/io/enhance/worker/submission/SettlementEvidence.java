package io.enhance.worker.submission;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.enhance.worker.delivery.ImageCopies;
import io.enhance.worker.intake.SourceImage;
import io.enhance.worker.jobs.Job;
import io.enhance.worker.jobs.StoredOutput;
import io.enhance.worker.wavespeed.Prediction;

/**
 * What settlement looks at beyond the history's times: the looks ({@link ImageLikeness}) of listed
 * tasks' outputs and of jobs' sources, read the way outputs are (address policy, deadline, size cap), and
 * the kept copies of an undecided job's candidate tasks.
 */
@ApplicationScoped
class SettlementEvidence {

    /** The unowned tasks of one listing, as WaveSpeed listed them and as the judge saw them. */
    record Listed(Map<String, Prediction> listed, Map<String, SettlementJudge.Task> judged) {

        static final Listed NOTHING = new Listed(Map.of(), Map.of());
    }

    private final ImageCopies images;

    SettlementEvidence(ImageCopies images) {
        this.images = images;
    }

    /** A listed task for the judge: settled once finished and, if it completed, its output read. */
    SettlementJudge.Task task(Prediction task) {
        Optional<float[]> look = outputLook(task);
        boolean finished = task.completed() || task.failed();
        boolean read = !task.completed() || task.outputs().isEmpty() || look.isPresent();
        return new SettlementJudge.Task(task.id(), task.createdAt(), finished && read, look);
    }

    /** The look of the job's source, empty if it cannot be read. */
    Optional<float[]> sourceLook(Job job) {
        SourceImage source = SourceImage.of((String) job.input.get("image"));
        String location = source.inS3() ? ImageCopies.location(source.bucket(), source.key()) : source.uri().toString();
        return images.read(location).flatMap(ImageLikeness::look);
    }

    /** The candidate tasks of an undecided job, their outputs copied beside the job's own. */
    List<SubmissionCandidate> keep(Job job, List<String> candidateIds, Listed listed) {
        Optional<float[]> source = candidateIds.isEmpty() ? Optional.empty() : sourceLook(job);
        List<SubmissionCandidate> kept = new ArrayList<>();
        for (String id : candidateIds) {
            Prediction task = listed.listed().get(id);
            SubmissionCandidate candidate = new SubmissionCandidate();
            candidate.job = job.id;
            candidate.predictionId = id;
            candidate.createdAt = task.createdAt();
            candidate.status = task.status();
            candidate.keptOutputs = keptOutputs(job, task);
            Optional<float[]> output = listed.judged().get(id).outputLook();
            candidate.likeness = source.isPresent() && output.isPresent()
                    ? ImageLikeness.likeness(source.get(), output.get()) : null;
            kept.add(candidate);
        }
        return kept;
    }

    private List<StoredOutput> keptOutputs(Job job, Prediction task) {
        if (!task.completed() || task.outputs().isEmpty()) {
            return List.of();
        }
        return images.keep(job, task.id(), task.outputs());
    }

    private Optional<float[]> outputLook(Prediction task) {
        if (!task.completed() || task.outputs().isEmpty() || task.outputs().get(0).isBlank()) {
            return Optional.empty();
        }
        return images.read(task.outputs().get(0)).flatMap(ImageLikeness::look);
    }
}

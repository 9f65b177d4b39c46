package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.enhance.worker.emulator.HistoryShape;
import io.enhance.worker.submission.SubmissionEvidence.Verdict;
import io.enhance.worker.testing.ModelInputs;
import io.enhance.worker.wavespeed.History;

/**
 * The history's verdict on an unanswered submission, against the history listing as WaveSpeed
 * documents it (no {@code input}) and as the emulator can also list it (with {@code input}).
 */
class SubmissionEvidenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LISTED_WITH_INPUT = "7e2a4c1f0b9d8e6a5c3b2a1f0e9d8c7b";
    private static final String LISTED_WITHOUT_INPUT = "5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a";
    private static final boolean FROM_S3 = true;
    private static final Verdict FOUND = new Verdict.Created(LISTED_WITH_INPUT, SubmissionEvidence.FOUND_BY_REQUEST);

    /** What the worker sent for the fixture's first prediction: a presigned source, since re-signed, and a random seed. */
    private static Map<String, Object> sent() {
        return SubmissionEvidence.remembered(
                ModelInputs.withDefaults("restore", "https://photos.example.com/cat.png?X-Amz-Signature=old"), FROM_S3);
    }

    private static Verdict judge(Map<String, Object> remembered, History history, String... owned) {
        return SubmissionEvidence.judge(remembered, FROM_S3, history, Set.of(owned), false);
    }

    @ParameterizedTest
    @EnumSource(HistoryShape.class)
    void adoptsAListedTaskOnlyWhenItShowsTheWholeRequestDespiteANewSignatureAndADrawnSeed(HistoryShape shape)
            throws IOException {
        Verdict verdict = judge(sent(), history(shape, true), LISTED_WITHOUT_INPUT);

        assertThat(verdict).isEqualTo(shape == HistoryShape.WITH_INPUT ? FOUND
                : new Verdict.Undecided("1 unowned prediction(s) in WaveSpeed's history for that time "
                        + "do not show their full request, and could be this attempt's"));
    }

    @ParameterizedTest
    @EnumSource(HistoryShape.class)
    void neverHandsOutATaskAnotherJobAlreadyOwns(HistoryShape shape) throws IOException {
        Verdict verdict = judge(sent(), history(shape, true), LISTED_WITH_INPUT);

        assertThat(verdict).isInstanceOf(Verdict.Undecided.class);
        assertThat(((Verdict.Undecided) verdict).why()).contains("do not show their full request");
    }

    @ParameterizedTest
    @EnumSource(HistoryShape.class)
    void provesAbsenceOnlyFromACompleteListingWithNoUnownedTaskThatCouldBeTheAttempts(HistoryShape shape)
            throws IOException {
        Map<String, Object> other = new LinkedHashMap<>(sent());
        other.put("strength", 0.5);

        assertThat(judge(other, history(shape, true), LISTED_WITH_INPUT, LISTED_WITHOUT_INPUT))
                .isEqualTo(new Verdict.NotCreated());
        assertThat(judge(other, history(shape, false), LISTED_WITH_INPUT, LISTED_WITHOUT_INPUT))
                .isInstanceOf(Verdict.Undecided.class);
        assertThat(judge(other, history(shape, true), LISTED_WITHOUT_INPUT))
                .as("an unowned task listed with another request is not ours; one listed without it could be")
                .isInstanceOf(shape == HistoryShape.WITH_INPUT ? Verdict.NotCreated.class : Verdict.Undecided.class);
        assertThat(judge(other, history(shape, true))).isInstanceOf(Verdict.Undecided.class);
        assertThat(judge(other, new History(List.of(), true))).isEqualTo(new Verdict.NotCreated());
    }

    @ParameterizedTest
    @EnumSource(HistoryShape.class)
    void adoptsTheOnlyUnownedTaskByEliminationOnlyWhenTheCallerAllowsIt(HistoryShape shape) throws IOException {
        Map<String, Object> other = new LinkedHashMap<>(sent());
        other.put("prompt", "sharpen");
        History history = history(shape, true);

        assertThat(SubmissionEvidence.judge(other, FROM_S3, history, Set.of(LISTED_WITH_INPUT), true))
                .isEqualTo(new Verdict.Created(LISTED_WITHOUT_INPUT, SubmissionEvidence.FOUND_BY_ELIMINATION));
        assertThat(SubmissionEvidence.judge(other, FROM_S3, history, Set.of(LISTED_WITH_INPUT), false))
                .isInstanceOf(Verdict.Undecided.class);
        assertThat(SubmissionEvidence.judge(other, FROM_S3, history, Set.of(), true))
                .as("a task listed with another request is never adopted; without requests, two could be the attempt's")
                .isEqualTo(shape == HistoryShape.WITH_INPUT
                        ? new Verdict.Created(LISTED_WITHOUT_INPUT, SubmissionEvidence.FOUND_BY_ELIMINATION)
                        : judge(other, history));
    }

    @Test
    void keepsTheQueryOfAnImageUrlTheWorkerDidNotSignSoThatTwoImagesAreNeverConfused() throws IOException {
        Map<String, Object> first = SubmissionEvidence.remembered(
                ModelInputs.withDefaults("restore", "https://img.example/get?id=1"), !FROM_S3);
        Map<String, Object> second = SubmissionEvidence.remembered(
                ModelInputs.withDefaults("restore", "https://img.example/get?id=2"), !FROM_S3);
        History listsTheSecond = history(HistoryShape.WITH_INPUT, true);
        ((ObjectNode) listsTheSecond.entries().get(0).input().orElseThrow()).put("image", "https://img.example/get?id=2");

        assertThat(first.get("image")).isEqualTo("https://img.example/get?id=1");
        assertThat(SubmissionEvidence.fingerprint(first)).isNotEqualTo(SubmissionEvidence.fingerprint(second));
        assertThat(SubmissionEvidence.judge(first, !FROM_S3, listsTheSecond, Set.of(LISTED_WITHOUT_INPUT), false))
                .isEqualTo(new Verdict.NotCreated());
        assertThat(SubmissionEvidence.judge(second, !FROM_S3, listsTheSecond, Set.of(LISTED_WITHOUT_INPUT), false))
                .isEqualTo(FOUND);
    }

    @Test
    void dropsOnlyTheSignatureOfAUrlTheWorkerPresigned() {
        String presigned = "http://127.0.0.1:9000/sources/cat.png?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Date=20261124T220000Z&X-Amz-Credential=test&X-Amz-Expires=3600&X-Amz-Signature=ab12";

        assertThat(SubmissionEvidence.remembered(ModelInputs.withDefaults("restore", presigned), FROM_S3).get("image"))
                .isEqualTo("http://127.0.0.1:9000/sources/cat.png?x-id=GetObject");
        assertThat(SubmissionEvidence.withoutSignature("https://a.example/b.png?X-Amz-Signature=1"))
                .isEqualTo("https://a.example/b.png");
    }

    @Test
    void takesANumberThatCameBackThroughAFloatAsTheNumberSentButNoOther() throws IOException {
        History history = history(HistoryShape.WITH_INPUT, true);
        ObjectNode listed = (ObjectNode) history.entries().get(0).input().orElseThrow();

        listed.put("strength", 0.800000011920929);
        listed.put("guidance_scale", 3.5f);
        assertThat(judge(sent(), history, LISTED_WITHOUT_INPUT)).isEqualTo(FOUND);

        listed.put("strength", 0.8000005);
        assertThat(judge(sent(), history, LISTED_WITHOUT_INPUT)).isEqualTo(new Verdict.NotCreated());

        listed.put("strength", 0.8);
        Map<String, Object> seeded = new LinkedHashMap<>(sent());
        seeded.put("seed", 16_777_217);
        listed.put("seed", 16_777_216); // equal as floats: a seed is compared exactly
        assertThat(judge(seeded, history, LISTED_WITHOUT_INPUT)).isEqualTo(new Verdict.NotCreated());
        listed.put("seed", 16_777_217);
        assertThat(judge(seeded, history, LISTED_WITHOUT_INPUT)).isEqualTo(FOUND);
    }

    @Test
    void comparesNumbersByValueAndTellsPromptsImagesAndFlagsApart() throws IOException {
        Map<String, Object> sameValues = new LinkedHashMap<>(sent());
        sameValues.put("strength", 0.80);
        sameValues.put("guidance_scale", 3.50);
        assertThat(judge(sameValues, history(HistoryShape.WITH_INPUT, true), LISTED_WITHOUT_INPUT)).isEqualTo(FOUND);

        for (Map.Entry<String, Object> change : Map.<String, Object> of("prompt", "sharpen",
                "image", "https://photos.example.com/dog.png", "enable_sync_mode", true, "seed", 654321,
                "output_format", "png").entrySet()) {
            Map<String, Object> changed = new LinkedHashMap<>(sent());
            changed.put(change.getKey(), change.getValue());
            assertThat(judge(changed, history(HistoryShape.WITH_INPUT, true), LISTED_WITHOUT_INPUT))
                    .as(change.getKey()).isEqualTo(new Verdict.NotCreated());
        }
    }

    @Test
    void aListedRequestMissingAnySentFieldIsNeitherAdoptedNorTakenAsAbsence() throws IOException {
        for (String field : List.of("strength", "image", "num_inference_steps")) {
            History history = history(HistoryShape.WITH_INPUT, true);
            ((ObjectNode) history.entries().get(0).input().orElseThrow()).remove(field);

            assertThat(judge(sent(), history, LISTED_WITHOUT_INPUT)).as(field).isInstanceOf(Verdict.Undecided.class);
        }
    }

    @Test
    void fingerprintsTheSameRequestAlikeWhateverItsSignatureOrFieldOrder() {
        Map<String, Object> reordered = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(sent().keySet());
        Collections.reverse(names);
        names.forEach(name -> reordered.put(name, sent().get(name)));
        Map<String, Object> resigned = new LinkedHashMap<>(sent());
        resigned.put("image", "https://photos.example.com/cat.png?X-Amz-Signature=new");
        Map<String, Object> otherPrompt = new LinkedHashMap<>(sent());
        otherPrompt.put("prompt", "sharpen");

        String fingerprint = SubmissionEvidence.fingerprint(sent());
        assertThat(SubmissionEvidence.fingerprint(reordered)).isEqualTo(fingerprint);
        assertThat(SubmissionEvidence.fingerprint(SubmissionEvidence.remembered(resigned, FROM_S3))).isEqualTo(fingerprint);
        assertThat(SubmissionEvidence.fingerprint(otherPrompt)).isNotEqualTo(fingerprint).hasSize(64);
        assertThat(sent().get("image")).isEqualTo("https://photos.example.com/cat.png");
    }

    /** The documented fixture page; in the documented shape its items carry no {@code input}, as WaveSpeed lists them. */
    private static History history(HistoryShape shape, boolean complete) throws IOException {
        try (InputStream in = SubmissionEvidenceTest.class.getClassLoader().getResourceAsStream("wavespeed/history-page.json")) {
            JsonNode items = JSON.readTree(in).path("data").path("items");
            List<History.Entry> entries = new ArrayList<>();
            items.forEach(item -> {
                if (shape == HistoryShape.DOCUMENTED) {
                    ((ObjectNode) item).remove("input");
                }
                entries.add(History.Entry.from(item));
            });
            return new History(entries, complete);
        }
    }
}

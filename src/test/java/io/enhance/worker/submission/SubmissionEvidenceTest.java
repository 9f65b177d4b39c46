package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.enhance.worker.submission.SubmissionEvidence.Verdict;
import io.enhance.worker.testing.ModelInputs;
import io.enhance.worker.wavespeed.History;

/** The history's verdict on an unanswered submission, against the documented history listing. */
class SubmissionEvidenceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LISTED_WITH_INPUT = "7e2a4c1f0b9d8e6a5c3b2a1f0e9d8c7b";
    private static final String LISTED_WITHOUT_INPUT = "5d1f0c2a9b8e4f7d8c6b5a4e3d2c1b0a";

    /** What the worker sent for the fixture's first prediction: random seed, a signature since expired. */
    private static Map<String, Object> sent() {
        return SubmissionEvidence.remembered(
                ModelInputs.withDefaults("restore", "https://photos.example.com/cat.png?X-Amz-Signature=old"));
    }

    @Test
    void findsTheListedTaskWhoseRequestMatchesDespiteANewSignatureAndADrawnSeed() throws IOException {
        Verdict verdict = SubmissionEvidence.judge(sent(), documentedHistory(true), Set.of());

        assertThat(verdict).isEqualTo(new Verdict.Created(LISTED_WITH_INPUT));
    }

    @Test
    void neverHandsOutATaskAnotherJobAlreadyOwns() throws IOException {
        Verdict verdict = SubmissionEvidence.judge(sent(), documentedHistory(true), Set.of(LISTED_WITH_INPUT));

        assertThat(verdict).isInstanceOf(Verdict.Undecided.class);
        assertThat(((Verdict.Undecided) verdict).why()).contains("do not show their request");
    }

    @Test
    void provesAbsenceOnlyFromACompleteListingWhoseEveryRequestDiffers() throws IOException {
        Map<String, Object> other = new LinkedHashMap<>(sent());
        other.put("strength", 0.5);

        assertThat(SubmissionEvidence.judge(other, documentedHistory(true), Set.of(LISTED_WITHOUT_INPUT)))
                .isEqualTo(new Verdict.NotCreated());
        assertThat(SubmissionEvidence.judge(other, documentedHistory(false), Set.of(LISTED_WITHOUT_INPUT)))
                .isInstanceOf(Verdict.Undecided.class);
        assertThat(SubmissionEvidence.judge(other, documentedHistory(true), Set.of()))
                .as("a listed task without its request could be ours").isInstanceOf(Verdict.Undecided.class);
        assertThat(SubmissionEvidence.judge(other, new History(List.of(), true), Set.of()))
                .isEqualTo(new Verdict.NotCreated());
    }

    @Test
    void comparesNumbersByValueAndTellsPromptsImagesAndFlagsApart() throws IOException {
        Map<String, Object> sameValues = new LinkedHashMap<>(sent());
        sameValues.put("strength", 0.80);
        sameValues.put("guidance_scale", 3.50);
        assertThat(SubmissionEvidence.judge(sameValues, documentedHistory(true), Set.of(LISTED_WITHOUT_INPUT)))
                .isEqualTo(new Verdict.Created(LISTED_WITH_INPUT));

        for (Map.Entry<String, Object> change : Map.<String, Object> of("prompt", "sharpen",
                "image", "https://photos.example.com/dog.png", "enable_sync_mode", true, "seed", 654321,
                "output_format", "png").entrySet()) {
            Map<String, Object> changed = new LinkedHashMap<>(sent());
            changed.put(change.getKey(), change.getValue());
            assertThat(SubmissionEvidence.judge(changed, documentedHistory(true), Set.of(LISTED_WITHOUT_INPUT)))
                    .as(change.getKey()).isEqualTo(new Verdict.NotCreated());
        }
    }

    @Test
    void aListedRequestWithoutImageOrPromptMatchesNothing() throws IOException {
        History history = documentedHistory(true);
        ObjectNode input = (ObjectNode) history.entries().get(0).input().orElseThrow();
        input.remove("image");

        assertThat(SubmissionEvidence.judge(sent(), history, Set.of(LISTED_WITHOUT_INPUT)))
                .isEqualTo(new Verdict.NotCreated());
    }

    @Test
    void fingerprintsTheSameRequestAlikeWhateverItsSignatureOrFieldOrder() {
        Map<String, Object> reordered = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(sent().keySet());
        java.util.Collections.reverse(names);
        names.forEach(name -> reordered.put(name, sent().get(name)));
        Map<String, Object> resigned = new LinkedHashMap<>(sent());
        resigned.put("image", "https://photos.example.com/cat.png?X-Amz-Signature=new");
        Map<String, Object> otherPrompt = new LinkedHashMap<>(sent());
        otherPrompt.put("prompt", "sharpen");

        String fingerprint = SubmissionEvidence.fingerprint(sent());
        assertThat(SubmissionEvidence.fingerprint(reordered)).isEqualTo(fingerprint);
        assertThat(SubmissionEvidence.fingerprint(SubmissionEvidence.remembered(resigned))).isEqualTo(fingerprint);
        assertThat(SubmissionEvidence.fingerprint(otherPrompt)).isNotEqualTo(fingerprint).hasSize(64);
        assertThat(sent().get("image")).isEqualTo("https://photos.example.com/cat.png");
    }

    private static History documentedHistory(boolean complete) throws IOException {
        try (InputStream in = SubmissionEvidenceTest.class.getClassLoader().getResourceAsStream("wavespeed/history-page.json")) {
            JsonNode items = JSON.readTree(in).path("data").path("items");
            List<History.Entry> entries = new ArrayList<>();
            items.forEach(item -> entries.add(History.Entry.from(item)));
            return new History(entries, complete);
        }
    }
}

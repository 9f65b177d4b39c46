package io.enhance.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class JobIdsTest {

    private static final List<String> ODD_PATHS = List.of("a b.jpg", "été/photo.png", "x/../y.jpg", "./z.jpg",
            "tab\tname.jpg", "percent%20.jpg", "a//b.jpg", "emoji-\uD83D\uDE00.webp", "q?.png", "x".repeat(250) + ".jpg",
            "deep/" + "d/".repeat(120) + "img.jpg", "..", ".", "name.jpg/");

    @Test
    void aPathThatFitsTheIdRulesIsTheJobIdAfterTheBatchName() {
        assertThat(JobIds.of("holiday", "beach/IMG_0001.jpg")).isEqualTo("holiday/beach/IMG_0001.jpg");
        assertThat(JobIds.of("a:b.c-d", "x-y_z.1.png")).isEqualTo("a:b.c-d/x-y_z.1.png");
    }

    @Test
    void oddPathsGetValidIdsWithinTwoHundredCharacters() {
        for (String path : ODD_PATHS) {
            String id = JobIds.of("b".repeat(JobIds.MAX_BATCH_NAME), path);
            assertThat(id).as(path).hasSizeLessThanOrEqualTo(200).startsWith("b".repeat(JobIds.MAX_BATCH_NAME) + "/sha256-");
            assertThat(JobIds.isValidId(id)).as(id).isTrue();
        }
    }

    @Test
    void anEditedImageGetsItsPathsIdFollowedByTwelveHexDigitsOfItsContentsSha256() {
        String sha256 = "3f0c9a1b2c4d" + "e".repeat(52);
        assertThat(JobIds.ofEdited("holiday", "beach/IMG_0001.jpg", sha256)).isEqualTo("holiday/beach/IMG_0001.jpg:3f0c9a1b2c4d");
        assertThat(JobIds.ofEdited("batch", "a b.jpg", sha256)).isEqualTo(JobIds.of("batch", "a b.jpg") + ":3f0c9a1b2c4d");
        for (String path : ODD_PATHS) {
            String id = JobIds.ofEdited("b".repeat(JobIds.MAX_BATCH_NAME), path, sha256);
            assertThat(id).as(path).hasSizeLessThanOrEqualTo(200).endsWith(":3f0c9a1b2c4d");
            assertThat(JobIds.isValidId(id)).as(id).isTrue();
        }
    }

    @Test
    void aHashedIdIsPinnedSoThatARunWithANewerVersionStillResumes() {
        // SHA-256 of the UTF-8 path, its first 40 hex digits: changing the form would start every batch over
        assertThat(JobIds.of("batch", "a b.jpg")).isEqualTo("batch/sha256-1f97f74b936002cc81927fdf9af92dfe99057d73-a_b.jpg");
    }

    @Test
    void pathsThatLookAlikeOnceCleanedGetDifferentIds() {
        List<String> lookAlikes = List.of("a b.jpg", "a?b.jpg", "a*b.jpg", "a_b.jpg", "dir one/a b.jpg", "dir two/a b.jpg");
        Set<String> ids = new HashSet<>();
        lookAlikes.forEach(path -> ids.add(JobIds.of("batch", path)));
        assertThat(ids).hasSize(lookAlikes.size());
    }

    @Test
    void idsKeepTheFileNamesSafeCharactersForReading() {
        assertThat(JobIds.of("batch", "my photos/summer day.jpg")).matches("batch/sha256-[0-9a-f]{40}-summer_day\\.jpg");
    }

    @Test
    void batchNamesFollowTheIdRulesWithRoomForHashedIds() {
        assertThat(JobIds.problemWithBatchName("holiday-2026/run:1")).isEmpty();
        for (String bad : List.of("", "a b", "/lead", "trail/", "a//b", "a/../b", ".", "x".repeat(81), "é")) {
            assertThat(JobIds.problemWithBatchName(bad)).as(bad).isPresent();
        }
        assertThat(JobIds.problemWithBatchName(null)).isPresent();
    }
}

package io.enhance.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class BatchRunnerTest {

    @Test
    void namesAnOutputKeyThatMirrorsTheFolderUnderTheBatch() {
        assertThat(BatchRunner.outputKey("holiday", JobIds.of("holiday", "beach/img1.png"), image("beach/img1.png")))
                .contains("holiday/beach/img1.png");
        assertThat(BatchRunner.outputKey("holiday", JobIds.of("holiday", "my photos/summer day.jpg"),
                image("my photos/summer day.jpg"))).contains("holiday/my photos/summer day.jpg");
    }

    @Test
    void putsAnEditedImagesVersionBeforeItsExtension() {
        String edited = JobIds.ofEdited("holiday", "beach/img1.png", "9b1d0e55c3a2" + "0".repeat(52));

        assertThat(BatchRunner.outputKey("holiday", edited, image("beach/img1.png"))).contains("holiday/beach/img1.9b1d0e55c3a2.png");
    }

    @Test
    void leavesAPathThatCannotBeAKeyToTheJobIdLayout() {
        assertThat(BatchRunner.outputKey("holiday", JobIds.of("holiday", "tab\tname.jpg"), image("tab\tname.jpg"))).isEmpty();
        assertThat(BatchRunner.outputKey("holiday", JobIds.of("holiday", "scans/0.jpg"), image("scans/0.jpg"))).isEmpty();
    }

    private static InputImage image(String relativePath) {
        return new InputImage(relativePath, "enhanced", InputImages.uploadKey("holiday", relativePath), 1, Optional.empty());
    }
}

package io.enhance.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutputKeysTest {

    @Test
    void storesTheJobIdAsOneSegmentWithItsSlashesEncoded() {
        assertThat(OutputKeys.of("batch-42/", "batch-42/img-0001", 0, "jpg")).isEqualTo("batch-42/batch-42%2Fimg-0001/0.jpg");
        assertThat(OutputKeys.of("", "j", 2, "png")).isEqualTo("j/2.png");
    }

    @Test
    void givesDifferentKeysToAPrefixAndJobIdThatOnceJoinedToTheSameKey() {
        assertThat(OutputKeys.of("a/", "b/c", 0, "jpg")).isNotEqualTo(OutputKeys.of("a/b/", "c", 0, "jpg"));
        assertThat(OutputKeys.problemWith("vp/v", "j")).isPresent();
        assertThat(OutputKeys.problemWith("vp/", "vj")).isEmpty();
    }

    @Test
    void givesANamedKeyTheExtensionOfTheOutputFormatInPlaceOfAnImageExtension() {
        assertThat(OutputKeys.named("holiday/beach/img1.png", "jpeg")).isEqualTo("holiday/beach/img1.jpg");
        assertThat(OutputKeys.named("holiday/beach/img1.JPEG", "png")).isEqualTo("holiday/beach/img1.png");
        assertThat(OutputKeys.named("holiday/beach/img1", "jpeg")).isEqualTo("holiday/beach/img1.jpg");
        assertThat(OutputKeys.named("notes/v1.2/scan.final", "png")).isEqualTo("notes/v1.2/scan.final.png");
    }

    @Test
    void numbersTheFurtherOutputsOfANamedKeyBeforeItsExtension() {
        assertThat(OutputKeys.ofNamed("holiday/img1.jpg", 0)).isEqualTo("holiday/img1.jpg");
        assertThat(OutputKeys.ofNamed("holiday/img1.jpg", 1)).isEqualTo("holiday/img1-1.jpg");
        assertThat(OutputKeys.ofNamed("v1.2/img.png", 12)).isEqualTo("v1.2/img-12.png");
    }

    @Test
    void findsTheKeyANamedKeyWouldBeAFurtherOutputOfAndTheFamilyOfAllThatMayMeetIt() {
        assertThat(OutputKeys.parentOf("a/x-2.jpg")).isEqualTo("a/x.jpg");
        assertThat(OutputKeys.parentOf("a/x-1-2.jpg")).isEqualTo("a/x-1.jpg");
        assertThat(OutputKeys.parentOf("a/x-02.jpg")).isNull(); // the index is written without leading zeros
        assertThat(OutputKeys.parentOf("a/x-0.jpg")).isNull(); // output 0 is the key itself
        assertThat(OutputKeys.parentOf("a/x.jpg")).isNull();
        assertThat(OutputKeys.familyOf("a/x-1-2.jpg")).isEqualTo("a/x.jpg");
        assertThat(OutputKeys.familyOf(OutputKeys.ofNamed("a/x-1.jpg", 3))).isEqualTo(OutputKeys.familyOf("a/x.jpg"));
    }

    @Test
    void refusesNamedKeysThatCouldMeetTheKeysOfJobsWithoutOne() {
        assertThat(OutputKeys.problemWithNamed("batch/job/0.jpg")).isPresent();
        assertThat(OutputKeys.problemWithNamed("batch/job/12")).isPresent();
        assertThat(OutputKeys.problemWithNamed("scans/0001.jpg")).isEmpty(); // indexes have no leading zeros
        assertThat(OutputKeys.problemWithNamed("a/.jpg")).isPresent();
        assertThat(OutputKeys.problemWithNamed("a/")).isPresent();
        assertThat(OutputKeys.problemWithNamed("")).isPresent();
    }

    @Test
    void leavesRoomWithinS3sLimitForTheFurtherOutputsOfANamedKey() {
        assertThat(OutputKeys.problemWithNamed("é".repeat(508) + ".jpg")).isEmpty(); // 1,016 + -999 + .jpg
        assertThat(OutputKeys.problemWithNamed("é".repeat(508) + "e.jpg"))
                .contains("gives output keys of up to 1025 bytes in UTF-8 ({stem}-999.{ext}); S3 allows 1024");
    }
}

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
}

package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.RescaleOp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import io.enhance.worker.emulator.ImageEnhancer;
import io.enhance.worker.testing.TestImages;

/** Likeness sees composition: an enhancement keeps it whatever its tone, and different photos do not share it. */
class ImageLikenessTest {

    @Test
    void findsAnEnhancedImageAlikeToItsOwnSourceAndUnlikeAnyOther() throws IOException {
        byte[] source = TestImages.photo(64, 48, 1);
        byte[] enhanced = ImageEnhancer.enhance(source, 0.8, 7, "jpeg");

        double own = likeness(enhanced, source);
        assertThat(own).isGreaterThan(0.95);
        for (long other = 2; other < 12; other++) {
            assertThat(likeness(enhanced, TestImages.photo(64, 48, other))).as("photo %d", other)
                    .isLessThan(own - SettlementJudge.CLEARLY_MORE);
        }
    }

    @Test
    void ignoresBrightnessAndContrastButNotWhereThingsAre() throws IOException {
        byte[] source = TestImages.photo(40, 40, 3);
        BufferedImage darker = new RescaleOp(0.6f, 20f, null).filter(TestImages.decode(source), null);

        assertThat(likeness(png(darker), source)).isGreaterThan(0.99);
        assertThat(ImageLikeness.look(png(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB))))
                .as("a flat image has no composition to compare").isEmpty();
        assertThat(ImageLikeness.look(new byte[] { 1, 2, 3 })).as("not an image").isEmpty();
    }

    @Test
    void readsImagesSmallerThanItsThumbnail() {
        byte[] tiny = TestImages.photo(5, 3, 4);

        assertThat(likeness(tiny, tiny)).isGreaterThan(0.999);
    }

    private static double likeness(byte[] a, byte[] b) {
        return ImageLikeness.likeness(ImageLikeness.look(a).orElseThrow(), ImageLikeness.look(b).orElseThrow());
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}

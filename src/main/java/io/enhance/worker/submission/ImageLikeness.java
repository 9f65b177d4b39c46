package io.enhance.worker.submission;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;

import javax.imageio.ImageIO;

/**
 * How much two images share their composition: each is reduced to a small grey thumbnail whose
 * brightness and contrast are normalised away (an enhancement may change colours and tone, not where
 * things are), and the two thumbnails are correlated. An image-to-image output looks like its own
 * source (close to 1), two unrelated photos do not (around 0).
 */
final class ImageLikeness {

    /** The thumbnail's side: coarse enough to ignore detail and noise, fine enough to tell photos apart. */
    static final int SIDE = 32;

    private ImageLikeness() {
    }

    /** The normalised thumbnail of an encoded image; empty if it cannot be read or is a single flat tone. */
    static Optional<float[]> look(byte[] encoded) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
        return image == null ? Optional.empty() : look(image);
    }

    static Optional<float[]> look(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        double[] cells = new double[SIDE * SIDE];
        double mean = 0;
        // each cell averages the pixels it covers: at least one, also in an image smaller than the thumbnail
        for (int cy = 0; cy < SIDE; cy++) {
            int y0 = (int) ((long) cy * height / SIDE);
            int y1 = Math.max(y0 + 1, (int) ((long) (cy + 1) * height / SIDE));
            for (int cx = 0; cx < SIDE; cx++) {
                int x0 = (int) ((long) cx * width / SIDE);
                int x1 = Math.max(x0 + 1, (int) ((long) (cx + 1) * width / SIDE));
                double sum = 0;
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        int rgb = image.getRGB(x, y);
                        sum += 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
                    }
                }
                cells[cy * SIDE + cx] = sum / ((long) (y1 - y0) * (x1 - x0));
                mean += cells[cy * SIDE + cx];
            }
        }
        mean /= cells.length;
        double variance = 0;
        for (double value : cells) {
            variance += (value - mean) * (value - mean);
        }
        double deviation = Math.sqrt(variance / cells.length);
        if (deviation < 1e-6) {
            return Optional.empty();
        }
        float[] normalised = new float[cells.length];
        for (int i = 0; i < cells.length; i++) {
            normalised[i] = (float) ((cells[i] - mean) / deviation);
        }
        return Optional.of(normalised);
    }

    /** The correlation of two looks, from -1 to 1. */
    static double likeness(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum / a.length;
    }
}

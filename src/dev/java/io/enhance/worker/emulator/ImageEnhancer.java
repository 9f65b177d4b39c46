package io.enhance.worker.emulator;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The emulator's stand-in for the model: a real, deterministic enhancement. Doubles the size with bicubic
 * interpolation, sharpens with an unsharp mask whose amount follows {@code strength}, and adds a faint
 * seed-chosen tint and grain so that different seeds give different images, as with the real model.
 */
public final class ImageEnhancer {

    static final float JPEG_QUALITY = 0.9f;
    private static final int GRAIN_TILE = 8;

    private ImageEnhancer() {
    }

    /** What the emulator makes of {@code source} (JPEG or PNG bytes), for tests that check an output is a source's own. */
    public static byte[] enhance(byte[] source, double strength, long seed, String outputFormat) throws IOException {
        try {
            return enhance(SourceImageFetcher.decode(source), strength, seed, outputFormat);
        } catch (PredictionFailure notAnImage) {
            throw new IOException(notAnImage.getMessage(), notAnImage);
        }
    }

    static byte[] enhance(BufferedImage source, double strength, long seed, String outputFormat) throws IOException {
        BufferedImage image = upscaleTwice(source);
        int[] pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        sharpenAndGrain(pixels, image.getWidth(), image.getHeight(), strength, seed);
        return "png".equals(outputFormat) ? encodePng(image) : encodeJpeg(image);
    }

    private static BufferedImage upscaleTwice(BufferedImage source) {
        int width = source.getWidth() * 2;
        int height = source.getHeight() * 2;
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return target;
    }

    /**
     * Unsharp mask against a 3x3 binomial blur, in integer arithmetic so results never depend on the
     * platform. Works row by row with three saved rows, so it needs no second full-size buffer.
     */
    private static void sharpenAndGrain(int[] pixels, int width, int height, double strength, long seed) {
        int amount = (int) Math.round(strength * 1.5 * 256);
        Random random = new Random(seed);
        int[] tint = {random.nextInt(5) - 2, random.nextInt(5) - 2, random.nextInt(5) - 2};
        int[] grain = new int[GRAIN_TILE * GRAIN_TILE];
        for (int i = 0; i < grain.length; i++) {
            grain[i] = random.nextInt(3) - 1;
        }
        int[] above = new int[width];
        int[] current = new int[width];
        int[] below = new int[width];
        System.arraycopy(pixels, 0, current, 0, width);
        System.arraycopy(current, 0, above, 0, width);
        for (int y = 0; y < height; y++) {
            System.arraycopy(pixels, Math.min(y + 1, height - 1) * width, below, 0, width);
            for (int x = 0; x < width; x++) {
                int left = Math.max(x - 1, 0);
                int right = Math.min(x + 1, width - 1);
                int offset = grain[(y % GRAIN_TILE) * GRAIN_TILE + x % GRAIN_TILE];
                int rgb = 0;
                for (int channel = 0; channel < 3; channel++) {
                    int shift = 16 - channel * 8;
                    int blur = (rowSum(above, left, x, right, shift) + 2 * rowSum(current, left, x, right, shift)
                            + rowSum(below, left, x, right, shift) + 8) >> 4;
                    int original = (current[x] >> shift) & 0xFF;
                    int sharpened = original + (((original - blur) * amount) >> 8) + tint[channel] + offset;
                    rgb |= clamp(sharpened) << shift;
                }
                pixels[y * width + x] = rgb;
            }
            int[] recycled = above;
            above = current;
            current = below;
            below = recycled;
        }
    }

    private static int rowSum(int[] row, int left, int x, int right, int shift) {
        return ((row[left] >> shift) & 0xFF) + 2 * ((row[x] >> shift) & 0xFF) + ((row[right] >> shift) & 0xFF);
    }

    private static int clamp(int value) {
        return value < 0 ? 0 : Math.min(value, 255);
    }

    private static byte[] encodeJpeg(BufferedImage image) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(JPEG_QUALITY);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static byte[] encodePng(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("No PNG writer available");
            }
        }
        return bytes.toByteArray();
    }
}

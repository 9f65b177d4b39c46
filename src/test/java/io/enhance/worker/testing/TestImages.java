package io.enhance.worker.testing;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

import javax.imageio.ImageIO;

/** Small generated pictures to enhance, and the checks a consumer would run on the results. */
public final class TestImages {

    private TestImages() {
    }

    /** A PNG test card whose content depends on {@code variant}. */
    public static byte[] card(int width, int height, int variant) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(variant * 37 % 256, 80, 160), width, height, Color.ORANGE));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.WHITE);
        g.fillOval(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        return encode(image);
    }

    /**
     * A PNG "photo" whose composition depends on {@code seed}: shapes of many tones at places drawn from it,
     * so that two seeds look as unlike as two different photos do, and settlement can tell them apart.
     */
    public static byte[] photo(int width, int height, long seed) {
        Random random = new Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
        g.fillRect(0, 0, width, height);
        for (int shape = 0; shape < 12; shape++) {
            g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
            int x = random.nextInt(width);
            int y = random.nextInt(height);
            int w = 1 + random.nextInt(Math.max(1, width / 2));
            int h = 1 + random.nextInt(Math.max(1, height / 2));
            if (random.nextBoolean()) {
                g.fillRect(x - w / 2, y - h / 2, w, h);
            } else {
                g.fillOval(x - w / 2, y - h / 2, w, h);
            }
        }
        g.dispose();
        return encode(image);
    }

    private static byte[] encode(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The PNG with one pixel changed, of exactly the same byte size: an edit that a size comparison misses. */
    public static byte[] editedKeepingItsSize(byte[] png) {
        BufferedImage original = decode(png);
        for (int pixel = 0; pixel < original.getWidth() * original.getHeight(); pixel++) {
            BufferedImage edited = new BufferedImage(original.getWidth(), original.getHeight(), BufferedImage.TYPE_INT_RGB);
            edited.getGraphics().drawImage(original, 0, 0, null);
            int x = pixel % original.getWidth();
            int y = pixel / original.getWidth();
            edited.setRGB(x, y, edited.getRGB(x, y) ^ 1);
            byte[] bytes = encode(edited);
            if (bytes.length == png.length) {
                return bytes;
            }
        }
        throw new AssertionError("no one-pixel edit keeps the size of this " + png.length + "-byte PNG");
    }

    public static BufferedImage decode(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                throw new AssertionError("not a decodable image (" + bytes.length + " bytes)");
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

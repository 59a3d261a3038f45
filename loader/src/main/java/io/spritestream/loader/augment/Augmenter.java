package io.spritestream.loader.augment;

import io.spritestream.loader.augment.AugmentSpec.Kind;
import io.spritestream.loader.augment.AugmentSpec.Step;
import io.spritestream.loader.decode.OpenCvNatives;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.SplitMix64;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * Applies an {@link AugmentSpec} to samples in place, in their slots: one instance per thread (it
 * holds two scratch samples and reusable OpenCV headers; nothing is allocated per sample).
 *
 * <p>A sample's draws are a pure function of the run's seed, the epoch and the record (partition
 * and offset): never of the thread, the arrival order or the rank, so the same seed gives the same
 * augmented batches with any thread count, across a resume, and on any rank; each epoch draws
 * anew. Every transform draws the same numbers whether it applies or not, so one transform's
 * probability never changes what another draws.
 *
 * <p>The work per sample is a few OpenCV calls on the whole sample: a flip or a quarter turn is a
 * memory move, a shift two block copies, crop and scale one nearest-neighbour warp each, the colour
 * transforms together one 3x3 (4x4) colour matrix or one gain, a cutout one filled rectangle.
 */
public final class Augmenter implements AutoCloseable {

    /** Keeps augmentation draws apart from every other use of the run's seed. */
    private static final long SALT = 0x6175676d656e7431L;

    private final AugmentSpec spec;
    /** The spec's steps, walked by index: no iterator a sample. */
    private final Step[] steps;
    private final int width;
    private final int height;
    private final int channels;
    private final Mat a;
    private final Mat b;
    private final Size size;
    private final Scalar clear = new Scalar(0, 0, 0, 0);
    private final Scalar gain = new Scalar(1, 1, 1, 1);
    private final Mat affine = new Mat(2, 3, CvType.CV_64F);
    private final double[] affineValues = new double[6];
    private final Mat colour;
    private final float[] colourValues;
    private final float[] work = new float[9];
    private final float[] hue = new float[9];
    private final Point from = new Point();
    private final Point to = new Point();
    private final Point origin = new Point(0, 0);
    private final Point far;
    private final int maxShift;
    /** Regions of a and b for each shift and direction, made when first used. */
    private final Mat[] shiftRegions;
    private final SplitMix64 draws = new SplitMix64(0);

    public Augmenter(AugmentSpec spec, PixelSpec pixels) {
        OpenCvNatives.load();
        this.spec = spec.checkFor(pixels);
        this.steps = spec.steps().toArray(new Step[0]);
        this.width = pixels.width();
        this.height = pixels.height();
        this.channels = pixels.channels();
        int type = CvType.CV_8UC(channels);
        this.a = new Mat(height, width, type);
        this.b = new Mat(height, width, type);
        this.size = new Size(width, height);
        this.far = new Point(width - 1, height - 1);
        this.colour = new Mat(channels, channels, CvType.CV_32F);
        this.colourValues = new float[channels * channels];
        int n = 0;
        for (Step s : spec.steps()) {
            if (s.kind() == Kind.TRANSLATE) {
                n = (int) s.value();
            }
        }
        this.maxShift = n;
        this.shiftRegions = new Mat[n == 0 ? 0 : (2 * n + 1) * (2 * n + 1) * 4];
    }

    /**
     * Augments the sample in {@code slot} (a Mat of the spec's pixels, written in place) as record
     * {@code partition}/{@code offset} is augmented in {@code epoch} of a run seeded {@code seed}.
     */
    public void apply(Mat slot, long seed, int epoch, int partition, long offset) {
        if (spec.isNone()) {
            return;
        }
        draws.reseed(seed ^ SALT, epoch, partition, offset);
        Mat cur = slot;
        boolean colourOn = false;
        boolean matrixOn = false;
        float g = 1;
        identity(work, 3);
        for (Step s : steps) {
            boolean on = draws.nextDouble() < s.p();
            switch (s.kind()) {
                case CROP -> {
                    double f = s.value() + (1 - s.value()) * draws.nextDouble();
                    double fx = draws.nextDouble();
                    double fy = draws.nextDouble();
                    int cw = Math.max(1, (int) Math.round(width * f));
                    int ch = Math.max(1, (int) Math.round(height * f));
                    if (on && (cw < width || ch < height)) {
                        double x0 = Math.floor(fx * (width - cw + 1));
                        double y0 = Math.floor(fy * (height - ch + 1));
                        double sx = (double) width / cw;
                        double sy = (double) height / ch;
                        cur = warp(cur, slot, sx, -x0 * sx, sy, -y0 * sy);
                    }
                }
                case SCALE -> {
                    double f = 1 + s.value() * (2 * draws.nextDouble() - 1);
                    if (on && f != 1) {
                        double cx = (width - 1) / 2.0;
                        double cy = (height - 1) / 2.0;
                        cur = warp(cur, slot, f, cx - f * cx, f, cy - f * cy);
                    }
                }
                case ROT90 -> {
                    int quarter = 1 + draws.nextInt(3);
                    if (on) {
                        Mat next = scratchOtherThan(cur);
                        Core.rotate(cur, next, quarter == 1 ? Core.ROTATE_90_CLOCKWISE
                                : quarter == 2 ? Core.ROTATE_180 : Core.ROTATE_90_COUNTERCLOCKWISE);
                        cur = next;
                    }
                }
                case FLIP_H, FLIP_V -> {
                    if (on) {
                        Mat next = scratchOtherThan(cur);
                        Core.flip(cur, next, s.kind() == Kind.FLIP_H ? 1 : 0);
                        cur = next;
                    }
                }
                case TRANSLATE -> {
                    int dx = draws.nextInt(2 * maxShift + 1) - maxShift;
                    int dy = draws.nextInt(2 * maxShift + 1) - maxShift;
                    if (on && (dx != 0 || dy != 0)) {
                        cur = shift(cur, slot, dx, dy);
                    }
                }
                case HUE -> {
                    double degrees = s.value() * (2 * draws.nextDouble() - 1);
                    if (on && degrees != 0) {
                        hueRotation(Math.toRadians(degrees));
                        multiply(hue, work);
                        colourOn = matrixOn = true;
                    }
                }
                case BRIGHTNESS -> {
                    double f = 1 + s.value() * (2 * draws.nextDouble() - 1);
                    if (on && f != 1) {
                        g = (float) f;
                        colourOn = true;
                    }
                }
                case SWAP -> {
                    int order = 1 + draws.nextInt(5);
                    if (on) {
                        permute(order);
                        colourOn = matrixOn = true;
                    }
                }
                case CUTOUT -> {
                    int n = (int) s.value();
                    // The square's centre anywhere in the sample: near an edge, part of it falls outside.
                    int x = draws.nextInt(width) - n / 2;
                    int y = draws.nextInt(height) - n / 2;
                    if (on) {
                        cur = settle(cur, slot, colourOn, matrixOn, g);
                        colourOn = false;
                        from.x = Math.max(0, x);
                        from.y = Math.max(0, y);
                        to.x = Math.min(width - 1, x + n - 1);
                        to.y = Math.min(height - 1, y + n - 1);
                        if (to.x >= from.x && to.y >= from.y) {
                            Imgproc.rectangle(slot, from, to, clear, Imgproc.FILLED);
                        }
                    }
                }
                default -> throw new IllegalStateException(s.kind().toString());
            }
        }
        settle(cur, slot, colourOn, matrixOn, g);
    }

    /**
     * {@link #apply(Mat, long, int, int, long)} on a sample held in {@code sample} (a direct buffer of
     * exactly one sample's bytes): for pictures and tests, not the hot path (it makes a Mat header).
     */
    public void apply(java.nio.ByteBuffer sample, long seed, int epoch, int partition, long offset) {
        Mat mat = new Mat(height, width, CvType.CV_8UC(channels), sample);
        try {
            apply(mat, seed, epoch, partition, offset);
        } finally {
            mat.release();
            java.lang.ref.Reference.reachabilityFence(sample);
        }
    }

    /** Brings the sample home to {@code slot}, through the colour transform if one was drawn. */
    private Mat settle(Mat cur, Mat slot, boolean colourOn, boolean matrixOn, float g) {
        if (colourOn && !matrixOn) {
            if (channels == 1) {
                gain.val[0] = g;
            } else {
                gain.val[0] = g;
                gain.val[1] = g;
                gain.val[2] = g;
                gain.val[3] = 1;
            }
            Core.multiply(cur, gain, slot);
        } else if (colourOn) {
            for (int i = 0; i < 9; i++) {
                work[i] *= g;
            }
            fillColour();
            if (cur == slot) {
                Core.transform(slot, a, colour);
                a.copyTo(slot);
            } else {
                Core.transform(cur, slot, colour);
            }
        } else if (cur != slot) {
            cur.copyTo(slot);
        }
        return slot;
    }

    /** {@code cur} warped (nearest neighbour, transparent outside) by x' = sx x + tx, y' = sy y + ty. */
    private Mat warp(Mat cur, Mat slot, double sx, double tx, double sy, double ty) {
        affineValues[0] = sx;
        affineValues[1] = 0;
        affineValues[2] = tx;
        affineValues[3] = 0;
        affineValues[4] = sy;
        affineValues[5] = ty;
        affine.put(0, 0, affineValues);
        Mat next = scratchOtherThan(cur);
        Imgproc.warpAffine(cur, next, affine, size, Imgproc.INTER_NEAREST, Core.BORDER_CONSTANT, clear);
        return next;
    }

    /** {@code cur} moved by (dx, dy), what is uncovered transparent: two block copies between the scratch samples. */
    private Mat shift(Mat cur, Mat slot, int dx, int dy) {
        if (cur == slot) {
            slot.copyTo(a);
            cur = a;
        }
        Mat next = cur == a ? b : a;
        Imgproc.rectangle(next, origin, far, clear, Imgproc.FILLED);
        int index = (((dy + maxShift) * (2 * maxShift + 1)) + dx + maxShift) * 4 + (cur == a ? 0 : 2);
        if (shiftRegions[index] == null) {
            int w = width - Math.abs(dx);
            int h = height - Math.abs(dy);
            shiftRegions[index] = cur.submat(new Rect(Math.max(0, -dx), Math.max(0, -dy), w, h));
            shiftRegions[index + 1] = next.submat(new Rect(Math.max(0, dx), Math.max(0, dy), w, h));
        }
        shiftRegions[index].copyTo(shiftRegions[index + 1]);
        return next;
    }

    private Mat scratchOtherThan(Mat cur) {
        return cur == a ? b : a;
    }

    /** W3C filter effects' hue rotation (luminance kept) into {@link #hue}. */
    private void hueRotation(double radians) {
        float c = (float) Math.cos(radians);
        float s = (float) Math.sin(radians);
        hue[0] = 0.213f + 0.787f * c - 0.213f * s;
        hue[1] = 0.715f - 0.715f * c - 0.715f * s;
        hue[2] = 0.072f - 0.072f * c + 0.928f * s;
        hue[3] = 0.213f - 0.213f * c + 0.143f * s;
        hue[4] = 0.715f + 0.285f * c + 0.140f * s;
        hue[5] = 0.072f - 0.072f * c - 0.283f * s;
        hue[6] = 0.213f - 0.213f * c - 0.787f * s;
        hue[7] = 0.715f - 0.715f * c + 0.715f * s;
        hue[8] = 0.072f + 0.928f * c + 0.072f * s;
    }

    /** Reorders the rows of {@link #work}: the red, green and blue outputs come from other inputs. */
    private void permute(int order) {
        // The five orders of (r, g, b) other than itself.
        int[][] orders = PERMUTATIONS;
        float[] copy = hue; // free until the next hue rotation, which refills it
        System.arraycopy(work, 0, copy, 0, 9);
        for (int row = 0; row < 3; row++) {
            System.arraycopy(copy, 3 * orders[order - 1][row], work, 3 * row, 3);
        }
    }

    private static final int[][] PERMUTATIONS = {{0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

    /** {@code into = m x into} for 3x3 row-major matrices. */
    private void multiply(float[] m, float[] into) {
        for (int col = 0; col < 3; col++) {
            float x0 = into[col];
            float x1 = into[3 + col];
            float x2 = into[6 + col];
            into[col] = m[0] * x0 + m[1] * x1 + m[2] * x2;
            into[3 + col] = m[3] * x0 + m[4] * x1 + m[5] * x2;
            into[6 + col] = m[6] * x0 + m[7] * x1 + m[8] * x2;
        }
    }

    private static void identity(float[] m, int n) {
        for (int i = 0; i < n * n; i++) {
            m[i] = i % (n + 1) == 0 ? 1 : 0;
        }
    }

    /** {@link #work} (3x3, on red, green and blue) into the sample's colour matrix, alpha kept. */
    private void fillColour() {
        identity(colourValues, channels);
        for (int row = 0; row < 3; row++) {
            System.arraycopy(work, 3 * row, colourValues, channels * row, 3);
        }
        colour.put(0, 0, colourValues);
    }

    @Override
    public void close() {
        for (Mat m : shiftRegions) {
            if (m != null) {
                m.release();
            }
        }
        a.release();
        b.release();
        affine.release();
        colour.release();
    }
}

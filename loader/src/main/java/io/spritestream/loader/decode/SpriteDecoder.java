package io.spritestream.loader.decode;

import java.nio.ByteBuffer;
import org.opencv.core.Core;
import org.opencv.core.CvException;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * Decodes one encoded image into a slot of a slab: OpenCV reads the bytes, and the conversion to
 * RGBA (or RGB, gray), the fitting and the 16-to-8-bit reduction write straight into the slot's
 * memory. No pixel passes through the Java heap.
 *
 * <p>Semantics: output uint8 in RGBA order (RGB / gray with 3 / 1 channels); no alpha becomes 255;
 * gray is replicated to RGB; palette PNGs are expanded with their tRNS alpha; 16-bit samples become
 * {@code round(v / 257)}; an image already of the target size is copied pixel-exact; otherwise
 * {@link Fit} applies, with nearest-neighbour scaling only.
 *
 * <p>One decoder per thread: it owns reusable scratch memory and is not thread-safe. Failure of a
 * record is a value ({@link RejectReason}), not an exception; exceptions mean a programming error.
 */
public final class SpriteDecoder implements AutoCloseable {

    /**
     * The version of what this decoder makes of an image, part of the decoded-sample cache's key:
     * raise {@link #OUTPUT_REVISION} whenever a change makes any sample's bytes differ.
     */
    public static final int OUTPUT_REVISION = 2; // 2: zlib bombs and PNGs cut short are rejected before decoding

    /** {@code <revision>-opencv-<version>}: what the decoded bytes depend on besides the image and the pixel spec. */
    public static String outputVersion() {
        return OUTPUT_REVISION + "-opencv-" + org.opencv.core.Core.VERSION;
    }

    private static final Scalar ZERO = Scalar.all(0);

    private final PixelSpec spec;
    private final DecodeLimits limits;
    private final ImageHeader header = new ImageHeader();
    private final Mat depth8 = new Mat();
    private final Mat resized = new Mat();
    /** The encoded bytes in native memory: one Mat, resized in place, for every record. */
    private final Mat encodedBytes = new Mat();
    private ByteBuffer staging;
    private String lastError;

    public SpriteDecoder(PixelSpec spec, DecodeLimits limits) {
        OpenCvNatives.load();
        this.spec = spec;
        this.limits = limits;
        this.staging = ByteBuffer.allocateDirect(0);
    }

    /** The reason text of the last rejection, for the dead letter. */
    public String lastError() {
        return lastError;
    }

    /**
     * Decodes {@code encoded} (from its position to its limit; neither is changed) into
     * {@code slot}, a Mat of {@code spec.height() x spec.width()} with {@code spec.channels()}
     * uint8 channels that wraps the slot's memory.
     *
     * @return {@code null} if the slot now holds the sample, else why the record was rejected
     *         ({@link #lastError()} says more)
     */
    public RejectReason decodeInto(ByteBuffer encoded, Mat slot) {
        if (encoded == null) {
            return reject(RejectReason.NULL_VALUE, "record has no value");
        }
        int length = encoded.remaining();
        if (length == 0) {
            return reject(RejectReason.EMPTY, "record value is empty");
        }
        if (length > limits.maxRecordBytes()) {
            return reject(RejectReason.TOO_LARGE, "record of " + length + " bytes is over the limit of "
                    + limits.maxRecordBytes());
        }
        ImageHeader.Format format = header.read(encoded);
        if (format == ImageHeader.Format.UNKNOWN) {
            return reject(RejectReason.UNSUPPORTED, "not a PNG, JPEG, BMP or WebP image (first bytes "
                    + firstBytes(encoded) + ")");
        }
        if (header.dimensionsKnown() && (header.width() == 0 || header.height() == 0)) {
            return reject(RejectReason.UNDECODABLE, format + " header declares " + header.width() + "x" + header.height());
        }
        if (header.dimensionsKnown() && header.pixels() > limits.maxPixels()) {
            return reject(RejectReason.TOO_LARGE, format + " declares " + header.width() + "x" + header.height()
                    + " = " + header.pixels() + " pixels, over the limit of " + limits.maxPixels());
        }
        if (format == ImageHeader.Format.PNG && header.dimensionsKnown() && !header.pngEnded()) {
            // Found here, not by libpng, which would print its own error line to the console for every one.
            return reject(RejectReason.UNDECODABLE, "PNG cut short: its chunks end after " + header.pngWhole()
                    + " of " + length + " bytes, with no IEND");
        }
        if (format == ImageHeader.Format.PNG && header.pngDataBound() >= 0 && header.pngData() > header.pngDataBound()) {
            return reject(RejectReason.TOO_LARGE, "PNG holds " + header.pngData() + " bytes of image data, more than a "
                    + header.width() + "x" + header.height() + " image of its kind can need (at most "
                    + header.pngDataBound() + "): a decompression bomb, or garbage after the image");
        }
        Mat decoded = decode(encoded, length);
        try {
            if (decoded == null || decoded.empty()) {
                return reject(RejectReason.UNDECODABLE, format + " data does not decode (truncated or corrupt)");
            }
            if ((long) decoded.rows() * decoded.cols() > limits.maxPixels()) {
                return reject(RejectReason.TOO_LARGE, format + " decodes to " + decoded.cols() + "x" + decoded.rows()
                        + ", over the limit of " + limits.maxPixels() + " pixels");
            }
            Mat eightBit = toEightBit(decoded);
            if (eightBit == null) {
                return reject(RejectReason.UNSUPPORTED, "pixel type " + CvType.typeToString(decoded.type())
                        + " (expected 8 or 16-bit samples)");
            }
            int sourceChannels = eightBit.channels();
            if (sourceChannels != 1 && sourceChannels != 3 && sourceChannels != 4) {
                return reject(RejectReason.UNSUPPORTED, sourceChannels + " channels (expected 1, 3 or 4)");
            }
            fitInto(eightBit, slot);
            return null;
        } finally {
            if (decoded != null) {
                decoded.release();
            }
        }
    }

    private Mat decode(ByteBuffer encoded, int length) {
        Mat bytes;
        boolean temporary = false;
        if (header.inflatedMetadataChunks() > 0) {
            // Compressed text and colour profiles are left out: libpng would inflate each (up to 8 MB
            // apiece, however many there are) and the pixels do not depend on them.
            int kept = withoutInflatedMetadata(encoded, length);
            bytes = new Mat(1, kept, CvType.CV_8UC1, staging);
            temporary = true;
        } else if (encoded.hasArray()) {
            // One copy, from Kafka's fetch buffer straight into OpenCV's memory; no Java object per record.
            encodedBytes.create(1, length, CvType.CV_8UC1);
            encodedBytes.put(0, 0, encoded.array(), encoded.arrayOffset() + encoded.position(), length);
            bytes = encodedBytes;
        } else {
            if (staging.capacity() < length) {
                staging = ByteBuffer.allocateDirect(Math.max(length, staging.capacity() * 2));
            }
            staging.put(0, encoded, encoded.position(), length);
            bytes = new Mat(1, length, CvType.CV_8UC1, staging);
            temporary = true;
        }
        try {
            return Imgcodecs.imdecode(bytes, Imgcodecs.IMREAD_UNCHANGED);
        } catch (CvException e) {
            lastError = e.getMessage();
            return null;
        } finally {
            if (temporary) {
                bytes.release();
            }
        }
    }

    /** Copies {@code encoded} to {@code staging} without its chunks of compressed metadata; returns the bytes kept. */
    private int withoutInflatedMetadata(ByteBuffer encoded, int length) {
        if (staging.capacity() < length) {
            staging = ByteBuffer.allocateDirect(Math.max(length, staging.capacity() * 2));
        }
        int kept = 0;
        int from = 0;
        for (int i = 0; i < header.inflatedMetadataChunks(); i++) {
            int to = header.inflatedMetadataStart(i);
            staging.put(kept, encoded, encoded.position() + from, to - from);
            kept += to - from;
            from = header.inflatedMetadataEnd(i);
        }
        staging.put(kept, encoded, encoded.position() + from, length - from);
        return kept + length - from;
    }

    /** The decoded image with 8-bit samples: itself, or a reduction of 16-bit samples; null if neither. */
    private Mat toEightBit(Mat decoded) {
        int depth = decoded.depth();
        if (depth == CvType.CV_8U) {
            return decoded;
        }
        if (depth == CvType.CV_16U) {
            decoded.convertTo(depth8, CvType.CV_8U, 1.0 / 257.0);
            return depth8;
        }
        return null;
    }

    private void fitInto(Mat src, Mat slot) {
        int targetW = spec.width();
        int targetH = spec.height();
        int w = src.cols();
        int h = src.rows();
        if (w == targetW && h == targetH) {
            convert(src, slot);
            return;
        }
        switch (spec.fit()) {
            case STRETCH -> {
                Imgproc.resize(src, resized, new Size(targetW, targetH), 0, 0, Imgproc.INTER_NEAREST_EXACT);
                convert(resized, slot);
            }
            case PAD -> {
                Mat placed = src;
                int pw = w;
                int ph = h;
                if (w > targetW || h > targetH) {
                    double scale = Math.min((double) targetW / w, (double) targetH / h);
                    pw = clamp((int) Math.round(w * scale), targetW);
                    ph = clamp((int) Math.round(h * scale), targetH);
                    Imgproc.resize(src, resized, new Size(pw, ph), 0, 0, Imgproc.INTER_NEAREST_EXACT);
                    placed = resized;
                }
                slot.setTo(ZERO);
                int x0 = (targetW - pw) / 2;
                int y0 = (targetH - ph) / 2;
                Mat roi = slot.submat(y0, y0 + ph, x0, x0 + pw);
                try {
                    convert(placed, roi);
                } finally {
                    roi.release();
                }
            }
            case CROP -> {
                double scale = Math.max((double) targetW / w, (double) targetH / h);
                int cw = Math.max(targetW, (int) Math.round(w * scale));
                int ch = Math.max(targetH, (int) Math.round(h * scale));
                Mat covered = src;
                if (cw != w || ch != h) {
                    Imgproc.resize(src, resized, new Size(cw, ch), 0, 0, Imgproc.INTER_NEAREST_EXACT);
                    covered = resized;
                }
                int x0 = (cw - targetW) / 2;
                int y0 = (ch - targetH) / 2;
                Mat roi = covered.submat(y0, y0 + targetH, x0, x0 + targetW);
                try {
                    convert(roi, slot);
                } finally {
                    roi.release();
                }
            }
            default -> throw new IllegalStateException("fit " + spec.fit());
        }
    }

    /** Colour conversion from OpenCV's channel order to the target's, written into {@code dst}. */
    private void convert(Mat src, Mat dst) {
        long address = dst.dataAddr();
        int code = conversion(src.channels(), spec.channels());
        if (code < 0) {
            src.copyTo(dst);
        } else {
            Imgproc.cvtColor(src, dst, code);
        }
        if (dst.dataAddr() != address) {
            // OpenCV reallocates a destination of the wrong size or type without a word: the sample
            // would land in OpenCV's memory, not the slab. That is a bug here, never bad input.
            throw new IllegalStateException("OpenCV reallocated the destination (" + dst + ") instead of writing "
                    + "into the slab: source " + src + " does not match the slot");
        }
    }

    /** The cvtColor code from {@code from} OpenCV channels (gray, BGR, BGRA) to {@code to}; -1 for a copy. */
    static int conversion(int from, int to) {
        return switch (from * 10 + to) {
            case 44 -> Imgproc.COLOR_BGRA2RGBA;
            case 43 -> Imgproc.COLOR_BGRA2RGB;
            case 41 -> Imgproc.COLOR_BGRA2GRAY;
            case 34 -> Imgproc.COLOR_BGR2RGBA;
            case 33 -> Imgproc.COLOR_BGR2RGB;
            case 31 -> Imgproc.COLOR_BGR2GRAY;
            case 14 -> Imgproc.COLOR_GRAY2RGBA;
            case 13 -> Imgproc.COLOR_GRAY2RGB;
            case 11 -> -1;
            default -> throw new IllegalArgumentException("channels " + from + " -> " + to);
        };
    }

    private static int clamp(int value, int max) {
        return Math.max(1, Math.min(max, value));
    }

    private RejectReason reject(RejectReason reason, String message) {
        lastError = message;
        return reason;
    }

    private static String firstBytes(ByteBuffer data) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(8, data.remaining());
        for (int i = 0; i < n; i++) {
            sb.append(String.format("%02x", data.get(data.position() + i) & 0xFF));
        }
        return sb.toString();
    }

    /** Frees the scratch memory. */
    @Override
    public void close() {
        depth8.release();
        resized.release();
        encodedBytes.release();
    }

    /**
     * Loads the native library and decodes one small PNG made on the spot (RGBA, scaled down and
     * padded): the first record of a run then meets codecs that are initialised and code that has
     * run. A start-up helper for a thread of its own; any thread, any number of times.
     */
    public static void warmUp() {
        useSingleThreadedOpenCv();
        Mat image = new Mat(12, 8, CvType.CV_8UC4, Scalar.all(128));
        org.opencv.core.MatOfByte png = new org.opencv.core.MatOfByte();
        ByteBuffer slot = ByteBuffer.allocateDirect(4 * 4 * 4);
        Mat target = new Mat(4, 4, CvType.CV_8UC4, slot);
        try (SpriteDecoder decoder = new SpriteDecoder(new PixelSpec(4, 4, 4, Fit.PAD), DecodeLimits.DEFAULT)) {
            org.opencv.imgcodecs.Imgcodecs.imencode(".png", image, png);
            decoder.decodeInto(ByteBuffer.wrap(png.toArray()), target);
        } finally {
            target.release();
            png.release();
            image.release();
            java.lang.ref.Reference.reachabilityFence(slot);
        }
    }

    /** OpenCV's own thread count is set to 1: the loader parallelises across samples itself. */
    public static void useSingleThreadedOpenCv() {
        OpenCvNatives.load();
        Core.setNumThreads(1);
    }
}

package io.spritestream.loader.augment;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.Setting;
import io.spritestream.loader.decode.PixelSpec;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What augmentation a run applies to each sample, as users write it: transforms separated by
 * commas, each {@code name}, {@code name:VALUE} and/or {@code @P} (its probability), e.g.
 * {@code flip-h:0.5,translate:4,hue:20@0.8}. Pixel art stays pixel art: every resampling is
 * nearest-neighbour, and what a move uncovers is transparent (black without alpha).
 *
 * <p>Transforms apply in a fixed order, whatever the order written: geometry ({@code crop},
 * {@code scale}, {@code rot90}, {@code flip-h}, {@code flip-v}, {@code translate}), then colour
 * ({@code hue}, {@code brightness}, {@code swap}), then {@code cutout}. Immutable; {@link #toString()}
 * is the canonical spec (the one a state file records).
 */
public final class AugmentSpec {

    /** The spec {@code default} stands for: cheap, and what sprites want most (mirror images, small shifts). */
    public static final String DEFAULT_TEXT = "flip-h:0.5,translate:2";

    /** One transform of a spec. */
    public enum Kind {
        CROP("crop", "crop:S[@P] with S in 0.1..1 (the smallest side kept)", 1.0),
        SCALE("scale", "scale:F[@P] with F in 0..0.9 (a factor in 1-F..1+F)", 1.0),
        ROT90("rot90", "rot90[:P] (a quarter, half or three-quarter turn)", 0.5),
        FLIP_H("flip-h", "flip-h[:P]", 0.5),
        FLIP_V("flip-v", "flip-v[:P]", 0.5),
        TRANSLATE("translate", "translate:N[@P] with N in 1..64 (most pixels moved on each axis)", 1.0),
        HUE("hue", "hue:D[@P] with D in 1..180 (most degrees the hue turns)", 1.0),
        BRIGHTNESS("brightness", "brightness:F[@P] with F in 0..1 (a gain in 1-F..1+F)", 1.0),
        SWAP("swap", "swap[:P] (the red, green and blue channels in another order)", 0.5),
        CUTOUT("cutout", "cutout:N[@P] with N in 1..512 (the side of a transparent square)", 0.5);

        private final String name;
        private final String form;
        private final double defaultP;

        Kind(String name, String form, double defaultP) {
            this.name = name;
            this.form = form;
            this.defaultP = defaultP;
        }

        boolean valueIsProbability() {
            return this == ROT90 || this == FLIP_H || this == FLIP_V || this == SWAP;
        }
    }

    /**
     * One transform with its probability and its value (the probability again for the transforms
     * that have no other value).
     */
    public record Step(Kind kind, double p, double value) {
        @Override
        public String toString() {
            if (kind.valueIsProbability()) {
                return kind.name + ":" + number(p);
            }
            return kind.name + ":" + number(value) + (p == 1.0 ? "" : "@" + number(p));
        }
    }

    public static final AugmentSpec NONE = new AugmentSpec(List.of());

    public static final Setting<String> SETTING = Setting.of("augment", String.class, "none", "none",
            AugmentSpec::parses, "a spec such as " + DEFAULT_TEXT,
            "Augmentation of every sample, drawn from the seed, the epoch and the record: none, default ("
                    + DEFAULT_TEXT + "), or transforms such as flip-h:0.5,translate:4,hue:20@0.8 (README, 'Augmentation')");


    private final List<Step> steps;

    private AugmentSpec(List<Step> steps) {
        this.steps = List.copyOf(steps);
    }

    /**
     * The spec {@code text} writes: {@code none} (or empty), {@code default}, or transforms.
     *
     * @throws InvalidSettingException naming the transform and what was expected
     */
    public static AugmentSpec parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.equals("none")) {
            return NONE;
        }
        if (t.equals("default")) {
            t = DEFAULT_TEXT;
        }
        Map<Kind, Step> byKind = new EnumMap<>(Kind.class);
        for (String part : t.split(",", -1)) {
            Step step = step(part.strip());
            if (byKind.put(step.kind(), step) != null) {
                throw InvalidSettingException.format("{augment}: '%s' twice (expected each transform once)",
                        step.kind().name);
            }
        }
        return new AugmentSpec(new ArrayList<>(byKind.values()));
    }

    private static boolean parses(String text) {
        parse(text); // throws, naming the transform, if it does not
        return true;
    }

    private static Step step(String part) {
        String name = part;
        String value = null;
        String p = null;
        int at = name.indexOf('@');
        if (at >= 0) {
            p = name.substring(at + 1);
            name = name.substring(0, at);
        }
        int colon = name.indexOf(':');
        if (colon >= 0) {
            value = name.substring(colon + 1);
            name = name.substring(0, colon);
        }
        Kind kind = null;
        for (Kind k : Kind.values()) {
            if (k.name.equals(name)) {
                kind = k;
            }
        }
        if (kind == null) {
            throw InvalidSettingException.format("{augment}: '%s' is no transform (expected none, default, or some "
                    + "of %s, separated by commas)", part.isEmpty() ? "" : name, names());
        }
        try {
            if (kind.valueIsProbability()) {
                if (p != null) {
                    throw new NumberFormatException();
                }
                double prob = value == null ? kind.defaultP : Double.parseDouble(value);
                return new Step(kind, probability(prob), prob);
            }
            if (value == null) {
                throw new NumberFormatException();
            }
            double v = Double.parseDouble(value);
            double prob = probability(p == null ? kind.defaultP : Double.parseDouble(p));
            boolean ok = switch (kind) {
                case CROP -> v >= 0.1 && v <= 1;
                case SCALE -> v >= 0 && v <= 0.9;
                case TRANSLATE -> v == Math.rint(v) && v >= 1 && v <= 64;
                case HUE -> v >= 1 && v <= 180;
                case BRIGHTNESS -> v >= 0 && v <= 1;
                case CUTOUT -> v == Math.rint(v) && v >= 1 && v <= 512;
                default -> false;
            };
            if (!ok) {
                throw new NumberFormatException();
            }
            return new Step(kind, prob, v);
        } catch (NumberFormatException e) {
            throw InvalidSettingException.format("{augment}: '%s' (expected %s, P in 0..1)", part, kind.form);
        }
    }

    private static double probability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new NumberFormatException();
        }
        return p;
    }

    private static String names() {
        StringJoiner all = new StringJoiner(", ");
        for (Kind k : Kind.values()) {
            all.add(k.name);
        }
        return all.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * Checks that every transform fits samples of {@code pixels}: a quarter turn needs a square, colour
     * transforms need colour, a shift or a square no larger than the sample.
     */
    public AugmentSpec checkFor(PixelSpec pixels) {
        for (Step s : steps) {
            if (s.kind() == Kind.ROT90 && pixels.width() != pixels.height()) {
                throw InvalidSettingException.format("{augment}: rot90 turns square samples only (got {size} %sx%s)",
                        pixels.width(), pixels.height());
            }
            if ((s.kind() == Kind.HUE || s.kind() == Kind.SWAP) && pixels.channels() < 3) {
                throw InvalidSettingException.format("{augment}: %s needs colour (got {channels} %s)", s.kind().name,
                        pixels.channels());
            }
            int side = Math.min(pixels.width(), pixels.height());
            if ((s.kind() == Kind.TRANSLATE && s.value() >= side) || (s.kind() == Kind.CUTOUT && s.value() > side)) {
                throw InvalidSettingException.format("{augment}: %s (expected at most %s for {size} %sx%s)", s,
                        s.kind() == Kind.TRANSLATE ? side - 1 : side, pixels.width(), pixels.height());
            }
        }
        return this;
    }

    /** The transforms, in the order they apply. */
    public List<Step> steps() {
        return steps;
    }

    public boolean isNone() {
        return steps.isEmpty();
    }

    @Override
    public String toString() {
        if (steps.isEmpty()) {
            return "none";
        }
        StringJoiner all = new StringJoiner(",");
        steps.forEach(s -> all.add(s.toString()));
        return all.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AugmentSpec other && other.steps.equals(steps);
    }

    @Override
    public int hashCode() {
        return steps.hashCode();
    }
}

package io.spritestream.config;

import java.util.Locale;

/** Sizes as users write them on the command line: {@code S} (a square) or {@code WxH}. */
public final class Sizes {

    private Sizes() {}

    /**
     * Parses {@code S} or {@code WxH} into {@code {width, height}}.
     *
     * @param setting the setting being parsed ({@code size}, {@code tile}, ...), named in the error
     * @throws InvalidSettingException naming the setting, the value and the expected form
     */
    public static int[] parse(String setting, String text) {
        String[] parts = text == null ? new String[0] : text.toLowerCase(Locale.ROOT).split("x", -1);
        try {
            if (parts.length < 1 || parts.length > 2) {
                throw new NumberFormatException();
            }
            int w = Integer.parseInt(parts[0].strip());
            int h = parts.length == 1 ? w : Integer.parseInt(parts[1].strip());
            if (w < 1 || h < 1) {
                throw new NumberFormatException();
            }
            return new int[] {w, h};
        } catch (NumberFormatException e) {
            throw InvalidSettingException.of(setting, text, "S or WxH with positive integers, e.g. 32 or 64x48");
        }
    }

    /** A byte count for people: {@code 512 B}, {@code 61.4 kB}, {@code 4.5 MB}, {@code 1.2 GB} (powers of 1000). */
    public static String bytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double value = bytes / 1000.0;
        int unit = 0;
        while (value >= 999.95 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}

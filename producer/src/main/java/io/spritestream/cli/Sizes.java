package io.spritestream.cli;

import java.util.Locale;

/** Sizes as users write them on the command line: {@code S} (a square) or {@code WxH}. */
public final class Sizes {

    private Sizes() {}

    /**
     * Parses {@code S} or {@code WxH} into {@code {width, height}}.
     *
     * @param option the option being parsed, named in the error
     * @throws IllegalArgumentException naming the option, the value and the expected form
     */
    public static int[] parse(String option, String text) {
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
            throw new IllegalArgumentException(option + ": '" + text
                    + "' (expected S or WxH with positive integers, e.g. 32 or 64x48)");
        }
    }
}

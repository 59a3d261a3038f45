package io.spritestream.cli;

/**
 * Text from outside (names read from Kafka, written by any client) made safe to print on a
 * terminal: control characters (C0, DEL, C1: escape sequences that retitle a window or recolour
 * it, a carriage return that overwrites a line) are shown as {@code \\uXXXX}, so what is printed is
 * what is stored, visibly.
 */
public final class Printable {

    private Printable() {}

    /** {@code text} with every control character escaped; null as {@code null}. */
    public static String of(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
            if (control && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                if (control) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}

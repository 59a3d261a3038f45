package io.spritestream.record;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * What a class name may be, wherever one enters (a label folder, a sheet's label, a record's
 * {@code label} header, a catalog entry's {@code classes}): 1 to {@value #MAX_BYTES} bytes of
 * UTF-8, not blank, without a control character (U+0000-U+001F, U+007F-U+009F: newline, tab,
 * escape), a format character (zero-width and bidirectional marks such as U+202E), a lone surrogate
 * or a line or paragraph separator (U+2028, U+2029).
 *
 * <p>Why: a class name is a line of {@code classes.txt} and {@code synset.txt} and a caption in
 * pictures. A newline in one shifts every later class name by a line; a bidirectional mark shows it
 * reversed; a name of 10 kB made the pictures of {@code evaluate} tens of thousands of pixels wide.
 *
 * <p>Stateless and thread-safe. {@link #isClassName(byte[])} allocates nothing (it runs for records
 * on the loader's decode threads); the messages are built only for a name that breaks the rule.
 */
public final class LabelRule {

    /** Most bytes of UTF-8 a class name may have. */
    public static final int MAX_BYTES = 128;

    /** What a class name is, for messages. */
    public static final String EXPECTED = "a class name is 1-" + MAX_BYTES + " bytes of UTF-8, not blank, without "
            + "control, format or line-separator characters";

    /** Characters of a name shown in a message before it is cut. */
    private static final int SHOWN_CHARS = 40;

    private LabelRule() {}

    /** Whether {@code utf8} (a record's label header) is a class name; false for null. Allocation-free. */
    public static boolean isClassName(byte[] utf8) {
        if (utf8 == null || utf8.length == 0 || utf8.length > MAX_BYTES) {
            return false;
        }
        boolean visible = false;
        int i = 0;
        while (i < utf8.length) {
            int b = utf8[i] & 0xFF;
            if (b >= 0x20 && b < 0x7F) { // printable ASCII, the usual name: no table look-up
                visible |= b != ' ';
                i++;
                continue;
            }
            int n = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
            if (n == 0 || i + n > utf8.length) {
                return false;
            }
            int cp = n == 1 ? b : b & (0xFF >> (n + 1));
            for (int k = 1; k < n; k++) {
                int c = utf8[i + k] & 0xFF;
                if ((c & 0xC0) != 0x80) {
                    return false;
                }
                cp = cp << 6 | (c & 0x3F);
            }
            if (n == 3 && cp < 0x800 || n == 4 && (cp < 0x10000 || cp > 0x10FFFF) || !allowed(cp)) {
                return false; // an overlong form, beyond Unicode, or a character no class name has
            }
            visible |= !isSpace(cp);
            i += n;
        }
        return visible;
    }

    /** Why {@code label} is not a class name (one line, the name shown escaped and cut), or null if it is. */
    public static String problem(String label) {
        if (label == null) {
            return "no class name";
        }
        int bytes = utf8Length(label);
        if (bytes > MAX_BYTES) {
            return "\"" + shown(label) + "\" is " + bytes + " bytes of UTF-8 (" + EXPECTED + ")";
        }
        boolean visible = false;
        for (int i = 0; i < label.length(); ) {
            int cp = label.codePointAt(i);
            if (!allowed(cp)) {
                return "\"" + shown(label) + "\" holds " + describe(cp) + " (" + EXPECTED + ")";
            }
            visible |= !isSpace(cp);
            i += Character.charCount(cp);
        }
        return visible ? null : "\"" + shown(label) + "\" is " + (label.isEmpty() ? "empty" : "blank") + " (" + EXPECTED
                + ")";
    }

    /** Why the UTF-8 bytes {@code utf8} are not a class name (not UTF-8 included), or null if they are. */
    public static String problem(byte[] utf8) {
        if (utf8 == null) {
            return "no class name";
        }
        if (isClassName(utf8)) {
            return null;
        }
        if (utf8.length > MAX_BYTES) {
            String start = new String(utf8, 0, Math.min(utf8.length, 4 * SHOWN_CHARS), StandardCharsets.UTF_8);
            return "\"" + shown(start) + "\" is " + utf8.length + " bytes of UTF-8 (" + EXPECTED + ")";
        }
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer decoded;
        try {
            decoded = strict.decode(ByteBuffer.wrap(utf8));
        } catch (CharacterCodingException e) {
            return "\"" + shown(new String(utf8, StandardCharsets.UTF_8)) + "\" is not UTF-8 (" + EXPECTED + ")";
        }
        String problem = problem(decoded.toString());
        return problem != null ? problem : "\"" + shown(decoded.toString()) + "\" is not UTF-8 (" + EXPECTED + ")";
    }

    /**
     * {@code label} if it is a class name.
     *
     * @throws IllegalArgumentException {@code what: problem} (see {@link #problem(String)})
     */
    public static String require(String what, String label) {
        String problem = problem(label);
        if (problem != null) {
            throw new IllegalArgumentException(what + ": " + problem);
        }
        return label;
    }

    /**
     * {@code label} as a message shows it: on one line, every character a class name may not have
     * written as {@code \\uXXXX}, cut after 40 characters with {@code ...}.
     */
    public static String shown(String label) {
        StringBuilder out = new StringBuilder();
        int chars = 0;
        for (int i = 0; i < label.length(); ) {
            if (chars == SHOWN_CHARS) {
                return out.append("...").toString();
            }
            int cp = label.codePointAt(i);
            if (allowed(cp)) {
                out.appendCodePoint(cp);
            } else {
                for (char c : Character.toChars(cp)) {
                    out.append(String.format("\\u%04x", (int) c));
                }
            }
            chars++;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static boolean allowed(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }

    private static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp);
    }

    private static String describe(int cp) {
        String kind = switch (Character.getType(cp)) {
            case Character.CONTROL -> "a control character";
            case Character.FORMAT -> "a format character";
            case Character.SURROGATE -> "a lone surrogate";
            default -> "a line or paragraph separator";
        };
        String name = Character.getName(cp);
        return String.format("U+%04X%s, %s", cp, name == null ? "" : " " + name, kind);
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}

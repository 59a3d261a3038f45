package io.spritestream.producer.source;

import java.util.List;

/**
 * A file (or hidden folder) a source found and did not send, and why.
 *
 * @param path   relative to the source's folder, with {@code '/'} separators; a folder ends in {@code '/'}
 * @param reason why it was not sent
 */
public record SkippedFile(String path, Reason reason) {

    /** Why a file was not sent. */
    public enum Reason {
        /** Its extension is none of the image types read. */
        NOT_AN_IMAGE,
        /** Its name, or a folder's name (then not walked), starts with {@code '.'}. */
        HIDDEN,
        /** An image lying directly in the root, outside any label folder, without a root label. */
        OUTSIDE_A_LABEL_FOLDER
    }

    /** Names listed in a warning line before {@code and N more}. */
    static final int NAMED = 5;

    /** {@code a, b, c, d, e and 7 more}: the first {@link #NAMED} of {@code names}, then the count of the rest. */
    public static String firstNames(List<String> names) {
        String first = String.join(", ", names.subList(0, Math.min(NAMED, names.size())));
        return names.size() > NAMED ? first + " and " + (names.size() - NAMED) + " more" : first;
    }
}

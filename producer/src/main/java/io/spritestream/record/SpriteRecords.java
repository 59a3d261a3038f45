package io.spritestream.record;

import io.spritestream.config.InvalidSettingException;
import java.nio.charset.StandardCharsets;

/**
 * The record contract: one Kafka record is one sprite.
 *
 * <ul>
 *   <li>key: the sample id, UTF-8, unique within the dataset (a relative path, or
 *       {@code synthetic/<class>/<n>});</li>
 *   <li>value: the encoded image bytes exactly as in the source (PNG, or JPEG/BMP/WebP);</li>
 *   <li>headers: {@link #LABEL} (class name), {@link #CONTENT_TYPE}, {@link #DATASET}.</li>
 * </ul>
 *
 * <p>Every part of spritestream reads and writes records through these names only.
 */
public final class SpriteRecords {

    /** Header holding the class name of the sprite, UTF-8. */
    public static final String LABEL = "label";
    /** Header holding the media type of the value, e.g. {@code image/png}. */
    public static final String CONTENT_TYPE = "content-type";
    /** Header holding the dataset name the record was produced for. */
    public static final String DATASET = "dataset";

    /** The compacted topic that holds every dataset version's manifest. */
    public static final String CATALOG_TOPIC = "spritestream.catalog";

    private static final String TOPIC_PREFIX = "sprites.";
    private static final String DEAD_LETTER_SUFFIX = ".dlq";

    private SpriteRecords() {}

    /** The default topic of a dataset: {@code sprites.<dataset>}. */
    public static String topicFor(String dataset) {
        return TOPIC_PREFIX + dataset;
    }

    /** The dead-letter topic of a dataset topic: {@code <topic>.dlq}. */
    public static String deadLetterTopicFor(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    /** UTF-8 bytes of a header value. */
    public static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Checks a dataset name: letters, digits, {@code . _ -}, 1 to 200 characters, so that the
     * default topic name is a legal Kafka topic and {@code NAME@VERSION} parses unambiguously.
     *
     * @throws InvalidSettingException naming the setting users give a name with ({@code dataset}), the
     *                                 value and what was expected
     */
    public static String requireValidDatasetName(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,200}")) {
            throw InvalidSettingException.of("dataset", name, "1-200 characters of letters, digits, '.', '_' or '-'");
        }
        return name;
    }
}

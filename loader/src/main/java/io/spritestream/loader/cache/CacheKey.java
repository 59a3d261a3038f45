package io.spritestream.loader.cache;

import io.spritestream.loader.decode.PixelSpec;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

/**
 * What determines a decoded sample's bytes, besides its partition and offset: the topic's id (a
 * topic deleted and created again under the same name is another topic), the pixel spec (size,
 * channels, fit) and the decoder's version (spritestream's decode and the OpenCV it runs on). With
 * the cache format's version, it names the folder that holds the shards.
 *
 * @param topicId   Kafka's id of the topic
 * @param topic     the topic's name (for people listing the cache; not part of the key)
 * @param pixels    what each sample is
 * @param decoder   the decoder's version, e.g. {@code 1-opencv-4.9.0}
 */
public record CacheKey(UUID topicId, String topic, PixelSpec pixels, String decoder) {

    public CacheKey {
        Objects.requireNonNull(topicId, "topicId");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(pixels, "pixels");
        ShardFormat.decoderBytes(Objects.requireNonNull(decoder, "decoder"));
    }

    /** {@code v<format>/<topic id>/<W>x<H>x<C>-<fit>/<decoder>} under the cache root. */
    Path folder(Path root) {
        return root.resolve("v" + ShardFormat.FORMAT).resolve(topicId.toString()).resolve(specName(pixels))
                .resolve(decoder.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    static String specName(PixelSpec p) {
        return p.width() + "x" + p.height() + "x" + p.channels() + "-" + p.fit().name().toLowerCase(Locale.ROOT);
    }
}

package io.spritestream.loader.testing;

import io.spritestream.loader.batch.SpriteBatch;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One line that changes if anything a trainer gets from a batch changes: its epoch, its rows' keys
 * and offsets, and a SHA-256 of its pixel bytes and of its label ids.
 */
public final class BatchDigest {

    private BatchDigest() {}

    public static String of(SpriteBatch batch) {
        StringBuilder sb = new StringBuilder("epoch ").append(batch.epoch()).append(' ');
        for (int i = 0; i < batch.size(); i++) {
            sb.append(batch.partition(i)).append('/').append(batch.offset(i)).append('=').append(batch.key(i)).append(',');
        }
        return sb.append(" pixels ").append(sha256(batch.pixelBytes())).append(" labels ")
                .append(sha256(batch.labelBytes())).toString();
    }

    private static String sha256(ByteBuffer bytes) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(bytes.duplicate());
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}

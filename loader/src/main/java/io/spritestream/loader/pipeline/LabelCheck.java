package io.spritestream.loader.pipeline;

import io.spritestream.loader.decode.RejectReason;
import io.spritestream.record.LabelRule;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Whether a record's label lets it become a sample, before it is decoded: a label that is no class
 * name ({@link LabelRule}) never does ({@link RejectReason#BAD_LABEL}); with a fixed class list,
 * neither does a record without a label ({@link RejectReason#UNLABELLED}) nor one whose label the
 * list lacks ({@link RejectReason#UNKNOWN_LABEL}). Otherwise (a bare topic, {@code load}) such
 * records stay samples: id -1, or the next id.
 *
 * <p>Immutable; the decode threads share one. {@link #check} allocates nothing.
 */
final class LabelCheck {

    private final boolean fixed;
    /** The fixed list's names as UTF-8, open addressing by hash; empty when not fixed. */
    private final byte[][] table;

    /**
     * @param classes the class list the run starts with (each a class name)
     * @param fixed   whether it is the only one; ignored if it is empty
     */
    LabelCheck(List<String> classes, boolean fixed) {
        this.fixed = fixed && !classes.isEmpty();
        int size = Integer.highestOneBit(Math.max(1, classes.size()) * 4);
        this.table = new byte[this.fixed ? size : 0][];
        if (this.fixed) {
            for (String name : classes) {
                byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                int i = slot(utf8);
                while (table[i] != null && !Arrays.equals(table[i], utf8)) {
                    i = (i + 1) & (table.length - 1);
                }
                table[i] = utf8;
            }
        }
    }

    /** Why a record with {@code label} (UTF-8, or null for none) cannot become a sample, or null if it can. */
    RejectReason check(byte[] label) {
        if (label == null) {
            return fixed ? RejectReason.UNLABELLED : null;
        }
        if (fixed) {
            return listed(label) ? null : LabelRule.isClassName(label) ? RejectReason.UNKNOWN_LABEL : RejectReason.BAD_LABEL;
        }
        return LabelRule.isClassName(label) ? null : RejectReason.BAD_LABEL;
    }

    /** The dead letter's error for a record {@link #check} rejected for {@code reason} (slow path). */
    String error(byte[] label, RejectReason reason) {
        return switch (reason) {
            case UNLABELLED -> "record has no label header (training needs one of the version's classes)";
            case UNKNOWN_LABEL -> "label \"" + LabelRule.shown(new String(label, StandardCharsets.UTF_8))
                    + "\" is not in the version's class list";
            default -> "label " + LabelRule.problem(label);
        };
    }

    private boolean listed(byte[] label) {
        for (int i = slot(label); ; i = (i + 1) & (table.length - 1)) {
            byte[] entry = table[i];
            if (entry == null) {
                return false;
            }
            if (Arrays.equals(entry, label)) {
                return true;
            }
        }
    }

    private int slot(byte[] utf8) {
        return Arrays.hashCode(utf8) & (table.length - 1);
    }
}

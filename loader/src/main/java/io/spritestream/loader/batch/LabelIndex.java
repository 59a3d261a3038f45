package io.spritestream.loader.batch;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Class names to label ids. Starts from the dataset version's class list; a label not in it (a bare
 * topic, or a record added by hand) gets the next id the first time the assembler sees it, in
 * delivery order, so ids are the same on every run of the same order.
 *
 * <p>Looks labels up by their UTF-8 bytes without allocating. Confined to the assembler's thread,
 * except {@link #classes()}, which returns a snapshot.
 */
public final class LabelIndex {

    /** Label id of a record without a {@code label} header. */
    public static final int UNLABELLED = -1;

    private final List<String> names = new ArrayList<>();
    private byte[][] table = new byte[16][];
    private int[] ids = new int[16];
    private volatile List<String> snapshot = List.of();

    public LabelIndex(List<String> initial) {
        for (String name : initial) {
            idOf(name.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The id of {@code utf8}, assigning the next one if it is new; {@link #UNLABELLED} for null. */
    public int idOf(byte[] utf8) {
        if (utf8 == null) {
            return UNLABELLED;
        }
        int mask = table.length - 1;
        for (int i = Arrays.hashCode(utf8) & mask; ; i = (i + 1) & mask) {
            byte[] entry = table[i];
            if (entry == null) {
                return assign(utf8);
            }
            if (Arrays.equals(entry, utf8)) {
                return ids[i];
            }
        }
    }

    private int assign(byte[] utf8) {
        int id = names.size();
        names.add(new String(utf8, StandardCharsets.UTF_8));
        snapshot = List.copyOf(names);
        if (names.size() * 2 > table.length) {
            rehash(table.length * 2);
        }
        insert(table, ids, utf8.clone(), id);
        return id;
    }

    private void rehash(int size) {
        byte[][] newTable = new byte[size][];
        int[] newIds = new int[size];
        for (int i = 0; i < table.length; i++) {
            if (table[i] != null) {
                insert(newTable, newIds, table[i], ids[i]);
            }
        }
        table = newTable;
        ids = newIds;
    }

    private static void insert(byte[][] table, int[] ids, byte[] key, int id) {
        int mask = table.length - 1;
        int i = Arrays.hashCode(key) & mask;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = key;
        ids[i] = id;
    }

    /** The class names so far; a label id is a position in this list. Any thread. */
    public List<String> classes() {
        return snapshot;
    }
}

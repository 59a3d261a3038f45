package io.spritestream.catalog;

import java.util.List;
import java.util.stream.Collectors;

/** A dataset (or version) the catalog does not hold; the message lists the ones it does. */
public final class DatasetNotFoundException extends RuntimeException {

    public DatasetNotFoundException(DatasetRef ref, List<DatasetManifest> known) {
        super(message(ref, known));
    }

    private static String message(DatasetRef ref, List<DatasetManifest> known) {
        if (known.isEmpty()) {
            return "unknown dataset '" + ref + "': the catalog is empty (produce one first)";
        }
        String list = known.stream()
                .collect(Collectors.groupingBy(DatasetManifest::dataset, java.util.TreeMap::new,
                        Collectors.mapping(m -> String.valueOf(m.version()), Collectors.joining(","))))
                .entrySet().stream().map(e -> e.getKey() + "@" + e.getValue()).collect(Collectors.joining(", "));
        return "unknown dataset '" + ref + "'; known: " + list;
    }
}

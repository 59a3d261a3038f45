package io.spritestream.loader.replay;

import io.spritestream.files.OwnerOnly;
import io.spritestream.config.InvalidSettingException;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.spritestream.loader.replay.OffsetRange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a run stands, small enough to write after every batch: what it reads (the exact ranges,
 * and the dataset version they came from), how it orders it, and how far it has got. Restarting
 * from a state continues with exactly the samples that had not been delivered, in the order an
 * uninterrupted run would have used.
 *
 * @param format           version of this layout
 * @param dataset          dataset name, or null for a bare topic
 * @param datasetVersion   dataset version, or 0 for a bare topic
 * @param topic            the topic
 * @param ranges           partition to {@code [start, end)}: exactly what the run reads
 * @param seed             the order's seed
 * @param shuffle          whether the order is shuffled
 * @param blockSize        records per shuffled block
 * @param shuffleBuffer    records in the mixing buffer
 * @param remainder        {@code drop} or {@code pad}
 * @param augment          the augmentation spec (canonical), or null for none: part of what a sample is
 * @param epochs           epochs the run was asked for
 * @param epoch            the epoch in progress (equal to {@code epochs} once all are done)
 * @param position         records of this rank's order for {@code epoch} already consumed
 * @param worldSize        ranks
 * @param rank             this rank
 * @param splits           earlier splits of this epoch (elastic resume), oldest first
 * @param classes          class names by label id, so a resumed run keeps the same ids
 * @param batchSize        samples per batch
 * @param batchesDelivered batches handed out so far, over all epochs and restarts
 * @param samplesDelivered samples handed out so far
 * @param updated          when this state was written
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "dataset", "dataset_version", "topic", "ranges", "seed", "shuffle", "block_size",
        "shuffle_buffer", "remainder", "augment", "epochs", "epoch", "position", "world_size", "rank", "splits", "classes", "batch_size",
        "batches_delivered", "samples_delivered", "updated"})
public record LoaderState(
        @JsonProperty("format") int format,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("dataset_version") int datasetVersion,
        @JsonProperty("topic") String topic,
        @JsonProperty("ranges") Map<String, long[]> ranges,
        @JsonProperty("seed") long seed,
        @JsonProperty("shuffle") boolean shuffle,
        @JsonProperty("block_size") int blockSize,
        @JsonProperty("shuffle_buffer") int shuffleBuffer,
        @JsonProperty("remainder") String remainder,
        @JsonProperty("augment") String augment,
        @JsonProperty("epochs") int epochs,
        @JsonProperty("epoch") int epoch,
        @JsonProperty("position") long position,
        @JsonProperty("world_size") int worldSize,
        @JsonProperty("rank") int rank,
        @JsonProperty("splits") List<Split> splits,
        @JsonProperty("classes") List<String> classes,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("batches_delivered") long batchesDelivered,
        @JsonProperty("samples_delivered") long samplesDelivered,
        @JsonProperty("updated") String updated) {

    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public LoaderState {
        ranges = new TreeMap<>(ranges == null ? Map.of() : ranges);
        splits = splits == null ? List.of() : List.copyOf(splits);
        classes = classes == null ? List.of() : List.copyOf(classes);
    }

    /** The state of a run that has delivered nothing yet. */
    public static LoaderState fresh(String dataset, int datasetVersion, String topic, List<OffsetRange> ranges,
                                    OrderSpec order, String augment, int epochs, int worldSize, int rank,
                                    List<String> classes, int batchSize) {
        return new LoaderState(FORMAT, dataset, datasetVersion, topic, rangesOf(ranges), order.seed(), order.shuffle(),
                order.blockSize(), order.bufferSize(), order.remainder().name().toLowerCase(java.util.Locale.ROOT),
                augment, epochs, 0, 0, worldSize, rank, List.of(), classes, batchSize, 0, 0, java.time.Instant.now().toString());
    }

    /** This resumed state as the run that continues it starts: its epochs, ranks and batch size. */
    public LoaderState continuing(int newEpochs, int newWorldSize, int newRank, int newBatchSize) {
        return new LoaderState(FORMAT, dataset, datasetVersion, topic, ranges, seed, shuffle, blockSize, shuffleBuffer,
                remainder, augment, newEpochs, epoch, position, newWorldSize, newRank, splits, classes, newBatchSize,
                batchesDelivered, samplesDelivered, java.time.Instant.now().toString());
    }

    @JsonIgnore
    public OrderSpec orderSpec() {
        return new OrderSpec(seed, shuffle, blockSize, shuffleBuffer, Remainder.valueOf(remainder.toUpperCase(java.util.Locale.ROOT)));
    }

    @JsonIgnore
    public List<OffsetRange> offsetRanges() {
        List<OffsetRange> list = new ArrayList<>();
        ranges.forEach((p, r) -> list.add(new OffsetRange(Integer.parseInt(p), r[0], r[1])));
        return list;
    }

    /** Whether every epoch the run was asked for has been delivered. */
    @JsonIgnore
    public boolean finished() {
        return epoch >= epochs;
    }

    public static Map<String, long[]> rangesOf(List<OffsetRange> ranges) {
        Map<String, long[]> map = new TreeMap<>();
        for (OffsetRange r : ranges) {
            map.put(String.valueOf(r.partition()), new long[] {r.start(), r.end()});
        }
        return map;
    }

    /** The same state at another point of the run. */
    public LoaderState at(int newEpoch, long newPosition, List<Split> newSplits, List<String> newClasses,
                          long batches, long samples) {
        return new LoaderState(format, dataset, datasetVersion, topic, ranges, seed, shuffle, blockSize, shuffleBuffer,
                remainder, augment, epochs, newEpoch, newPosition, worldSize, rank, newSplits, newClasses, batchSize, batches,
                samples, java.time.Instant.now().toString());
    }

    /** The same run re-split: this rank of {@code newWorldSize}, from the start of the re-split order. */
    public LoaderState resplit(List<Split> newSplits, int newWorldSize, int newRank) {
        return new LoaderState(format, dataset, datasetVersion, topic, ranges, seed, shuffle, blockSize, shuffleBuffer,
                remainder, augment, epochs, epoch, 0, newWorldSize, newRank, newSplits, classes, batchSize, batchesDelivered,
                samplesDelivered, updated);
    }

    /**
     * Writes the state so that a kill at any instant leaves either the old or the new file whole:
     * to a temporary file in the same folder, then an atomic rename over the old one.
     */
    public void write(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        OwnerOnly.createDirectories(dir);
        Path temp = OwnerOnly.createTempFile(dir, absolute.getFileName().toString(), ".tmp");
        try {
            JSON.writeValue(temp.toFile(), this);
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    public static LoaderState read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw InvalidSettingException.format("{resume}: %s (expected a state file written by {save-state})", file);
        }
        LoaderState state;
        try {
            state = JSON.readValue(file.toFile(), LoaderState.class);
        } catch (IOException e) {
            throw InvalidSettingException.format("{resume}: %s is not a readable state file: %s", file,
                    e.getMessage().lines().findFirst().orElse(""));
        }
        if (state.format() != FORMAT) {
            throw InvalidSettingException.format("{resume}: %s has format %s (expected %s)", file, state.format(), FORMAT);
        }
        for (int i = 0; i < state.classes().size(); i++) {
            String problem = io.spritestream.record.LabelRule.problem(state.classes().get(i));
            if (problem != null) {
                throw InvalidSettingException.format("{resume}: %s: classes[%s]: %s", file, i, problem);
            }
        }
        return state;
    }

    /** {@code path} with {@code {rank}} replaced by {@code rank}: one state file per rank. */
    public static Path forRank(Path pattern, int rank) {
        return Path.of(pattern.toString().replace("{rank}", String.valueOf(rank)));
    }
}

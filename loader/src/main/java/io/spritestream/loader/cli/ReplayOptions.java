package io.spritestream.loader.cli;

import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.ingest.GroupProtocol;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.SourceResolver;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.replay.Resume;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What a run reads and in which order: shuffling, sharding, resuming, time windows (a picocli mixin
 * shared by the commands that load).
 */
public final class ReplayOptions {

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the sample order: the same seed gives the same order (default: a random seed, printed).")
    Long seed;

    @Option(names = "--no-shuffle", description = "Offset order (each partition's blocks in turn) instead of a shuffle.")
    boolean noShuffle;

    @Option(names = "--shuffle-block", defaultValue = "${bundle:shuffle-block.default}",
            descriptionKey = "shuffle-block.doc", paramLabel = "N")
    int shuffleBlock;

    @Option(names = "--shuffle-buffer", defaultValue = "${bundle:shuffle-buffer.default}",
            descriptionKey = "shuffle-buffer.doc", paramLabel = "N")
    int shuffleBuffer;

    @Option(names = "--remainder", defaultValue = "${bundle:remainder.default}", descriptionKey = "remainder.doc",
            paramLabel = "drop|pad")
    Remainder remainder;

    @Option(names = "--rank", paramLabel = "R",
            description = "This process's rank (default: ${bundle:rank.default}, or the state's).")
    Integer rank;

    @Option(names = "--world-size", paramLabel = "N",
            description = "Number of ranks (default: ${bundle:world-size.default}, or the state's).")
    Integer worldSize;

    @Option(names = "--save-state", paramLabel = "FILE",
            description = "Keep the run's position in FILE after every batch ({rank} in the name is replaced by the rank).")
    Path saveState;

    @Option(names = "--no-save-state", description = "With --resume: do not keep writing the state file resumed from "
            + "(by default a resumed run keeps it up to date, so a second interruption loses nothing).")
    boolean noSaveState;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue the run saved in FILE with exactly the samples not yet delivered; with another "
                    + "--world-size, every old rank's state is read ({rank} in the name) and the rest is re-split.")
    Path resume;

    @Option(names = "--since", paramLabel = "TIME", description = "Bare topic: from the first record at or after TIME (ISO-8601).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Bare topic: up to the first record at or after TIME (ISO-8601).")
    String until;

    @Option(names = "--from-offsets", paramLabel = "P:O,...", description = "Bare topic: start partition P at offset O.")
    String fromOffsets;

    @Option(names = "--follow", description = "A live tail without end through a consumer group: offsets are "
            + "committed only for closed batches (at-least-once). Stop it with --max-batches.")
    boolean follow;

    @Option(names = "--group", defaultValue = "${bundle:group.default}", paramLabel = "ID",
            description = "Consumer group of --follow (default: ${DEFAULT-VALUE}).")
    String group;

    @Option(names = "--follow-max-hold", defaultValue = "${bundle:follow-max-hold.default}",
            descriptionKey = "follow-max-hold.doc", paramLabel = "SECONDS")
    double followMaxHold;

    @Option(names = "--group-protocol", defaultValue = "${bundle:group-protocol.default}",
            descriptionKey = "group-protocol.doc", paramLabel = "classic|consumer")
    GroupProtocol groupProtocol;

    @Option(names = "--group-session-timeout", defaultValue = "${bundle:group-session-timeout.default}",
            descriptionKey = "group-session-timeout.doc", paramLabel = "SECONDS")
    long groupSessionTimeout;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The run's starting configuration: its source, order, share and position. Prints the seed and
     * any resolved window on {@code out}.
     */
    LoaderConfig start(String dataset, String topic, KafkaSettings kafka, PrintWriter out) throws IOException {
        LoaderConfig config = resume != null ? resumed(dataset, topic, out) : fresh(dataset, topic, kafka, out);
        if (noSaveState && (resume == null || saveState != null)) {
            throw new IllegalArgumentException("--no-save-state: only with --resume, and not with --save-state");
        }
        Path keep = saveState != null ? saveState : resume != null && !noSaveState ? resume : null;
        if (resume != null && keep != null) {
            out.println("state: kept in " + keep + " after every batch" + (keep.equals(resume)
                    ? " (the file resumed from; --no-save-state to leave it as it is)" : ""));
        }
        return config.saveState(keep);
    }

    private LoaderConfig resumed(String dataset, String topic, PrintWriter out) throws IOException {
        if (dataset != null || topic != null || since != null || until != null || fromOffsets != null || follow) {
            throw new IllegalArgumentException("--resume: continues the run in the state file "
                    + "(leave out --dataset, --topic, --since, --until, --from-offsets and --follow)");
        }
        Path own = resume.toString().contains("{rank}") ? LoaderState.forRank(resume, rank == null ? 0 : rank) : resume;
        LoaderState peek = LoaderState.read(own);
        int world = worldSize != null ? worldSize : peek.worldSize();
        int r = rank != null ? rank : (world == peek.worldSize() ? peek.rank() : -1);
        if (r < 0) {
            throw new IllegalArgumentException("--rank: missing (expected with --world-size " + world
                    + ", which differs from the state's " + peek.worldSize() + ")");
        }
        LoaderState state = Resume.forRank(resume, world, r);
        if (seed != null && seed != state.seed()) {
            throw new IllegalArgumentException("--seed: " + seed + " (the resumed run's seed is " + state.seed() + ")");
        }
        out.printf("resuming %s at epoch %d, position %d (rank %d of %d, %s)%n",
                state.dataset() != null ? state.dataset() + "@" + state.datasetVersion() : "topic " + state.topic(),
                state.epoch(), state.position(), state.rank(), state.worldSize(),
                state.shuffle() ? "seed " + state.seed() : "offset order");
        return LoaderConfig.resume(state);
    }

    private LoaderConfig fresh(String dataset, String topic, KafkaSettings kafka, PrintWriter out) {
        if (dataset == null && topic == null) {
            throw new IllegalArgumentException("--dataset or --topic: missing (expected one of them, or --resume FILE)");
        }
        boolean window = since != null || until != null || fromOffsets != null;
        if (window && topic == null) {
            throw new IllegalArgumentException("--since, --until and --from-offsets select a window of a bare --topic "
                    + "(a dataset version is already exact: use --dataset NAME@VERSION)");
        }
        long s = seed != null ? seed : new SecureRandom().nextLong() >>> 1;
        OrderSpec order = noShuffle ? new OrderSpec(s, false, shuffleBlock, 1, remainder)
                : new OrderSpec(s, true, shuffleBlock, shuffleBuffer, remainder);
        LoaderConfig config;
        if (window) {
            ResolvedSource resolved = new SourceResolver(kafka).window(topic, time("--since", since), time("--until", until),
                    offsets(fromOffsets));
            out.println("window of " + topic + ": " + resolved.ranges().stream().map(OffsetRange::toString)
                    .collect(Collectors.joining(" ")) + " (" + resolved.records() + " records)");
            config = LoaderConfig.ranges(topic, resolved.ranges());
        } else {
            config = dataset != null ? LoaderConfig.dataset(DatasetRef.parse(dataset)) : LoaderConfig.topic(topic);
        }
        out.println(noShuffle ? "order: offset order" : "order: shuffled with seed " + s + " (the same order again: --seed " + s + ")");
        config.order(order).shard(rank == null ? LoaderSettings.RANK.defaultValue() : rank,
                worldSize == null ? LoaderSettings.WORLD_SIZE.defaultValue() : worldSize);
        if (follow) {
            out.println("following " + (topic != null ? topic : dataset) + " as consumer group '" + group + "' ("
                    + (groupProtocol == GroupProtocol.CLASSIC ? "classic protocol, " + groupSessionTimeout + " s session"
                    : "consumer protocol, the cluster's session timeout") + "; offsets committed for closed batches)");
            config.follow(group).followMaxHold(Duration.ofNanos(Math.round(followMaxHold * 1e9)))
                    .groupProtocol(groupProtocol);
            if (groupProtocol == GroupProtocol.CLASSIC
                    || command.commandLine().getParseResult().hasMatchedOption("--group-session-timeout")) {
                config.groupSessionTimeout(Duration.ofSeconds(groupSessionTimeout)); // refused with the consumer protocol
            }
        }
        return config;
    }

    /** Parses an ISO-8601 instant, date-time with offset, or date (midnight UTC). */
    static Instant time(String option, String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e1) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e2) {
                try {
                    return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
                } catch (DateTimeParseException e3) {
                    throw new IllegalArgumentException(option + ": '" + text
                            + "' (expected ISO-8601, e.g. 2026-11-26T08:00:00Z or 2026-11-26)");
                }
            }
        }
    }

    /** Parses {@code P:O,P:O}. */
    static Map<Integer, Long> offsets(String text) {
        Map<Integer, Long> offsets = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return offsets;
        }
        for (String part : text.split(",")) {
            String[] po = part.strip().split(":");
            try {
                if (po.length != 2) {
                    throw new NumberFormatException();
                }
                int p = Integer.parseInt(po[0].strip());
                long o = Long.parseLong(po[1].strip());
                if (p < 0 || o < 0) {
                    throw new NumberFormatException();
                }
                offsets.put(p, o);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--from-offsets: '" + text + "' (expected PARTITION:OFFSET[,...], e.g. 0:100,1:250)");
            }
        }
        return offsets;
    }
}

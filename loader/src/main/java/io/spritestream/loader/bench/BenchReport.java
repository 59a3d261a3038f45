package io.spritestream.loader.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bench} measured: one line per stage, the ratios the targets are stated in
 * (loader / ceiling, loader / naive), and the loader's heap allocation per sample beyond what the
 * Kafka client allocates per record.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BenchReport(
        @JsonProperty("source") String source,
        @JsonProperty("records") long records,
        @JsonProperty("encoded_bytes") long encodedBytes,
        @JsonProperty("threads") int threads,
        @JsonProperty("cores") int cores,
        @JsonProperty("batch") int batch,
        @JsonProperty("size") String size,
        @JsonProperty("channels") int channels,
        @JsonProperty("repeat") int repeat,
        @JsonProperty("warmup_s") double warmupSeconds,
        @JsonProperty("stages") List<Stage> stages,
        @JsonProperty("loader_over_ceiling") double loaderOverCeiling,
        @JsonProperty("loader_over_ceiling_per_cpu") Double loaderOverCeilingPerCpu,
        @JsonProperty("loader_over_naive") double loaderOverNaive,
        @JsonProperty("loader_heap_bytes_per_sample_beyond_kafka") double loaderHeapBeyondKafka,
        @JsonProperty("peak_direct_bytes") long peakDirectBytes,
        @JsonProperty("simulated_step_ms") Double simulatedStepMs,
        @JsonProperty("trainer_wait_ratio") Double trainerWaitRatio,
        @JsonProperty("cached_over_ceiling") Double cachedOverCeiling,
        @JsonProperty("filling_over_loader") Double fillingOverLoader,
        @JsonProperty("augment") String augment,
        @JsonProperty("augment_us_per_sample") Double augmentMicros,
        @JsonProperty("augment_over_decode") Double augmentOverDecode,
        @JsonProperty("cold") List<ColdStarts.Result> cold) {

    /**
     * @param heapBytesPerSample heap allocated by the stage's threads per sample (per record for Kafka read)
     * @param trainerWaitRatio   for a stage with a simulated trainer: the fraction of time it waited
     * @param cpuCores           cores kept busy on average while the stage ran, by thread role, with
     *                           "total" for the whole process (broker, GC and JIT included)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Stage(
            @JsonProperty("name") String name,
            @JsonProperty("samples") long samples,
            @JsonProperty("seconds") double seconds,
            @JsonProperty("samples_per_s") double samplesPerSecond,
            @JsonProperty("mb_per_s") double megabytesPerSecond,
            @JsonProperty("heap_bytes_per_sample") double heapBytesPerSample,
            @JsonProperty("trainer_wait_ratio") Double trainerWaitRatio,
            @JsonProperty("cpu_cores") Map<String, Double> cpuCores,
            @JsonProperty("decode_us_per_sample") Double decodeMicros,
            @JsonProperty("augment_us_per_sample") Double augmentMicros) {

        Stage withTrainerWait(double ratio) {
            return new Stage(name, samples, seconds, samplesPerSecond, megabytesPerSecond, heapBytesPerSample, ratio,
                    cpuCores, decodeMicros, augmentMicros);
        }

        Stage withCpu(Map<String, Double> cores) {
            return new Stage(name, samples, seconds, samplesPerSecond, megabytesPerSecond, heapBytesPerSample,
                    trainerWaitRatio, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(cores)), decodeMicros,
                    augmentMicros);
        }

        /** With the CPU time a sample's decode and its augmentation took, measured apart (microseconds). */
        Stage withSplit(double decodeUs, double augmentUs) {
            return new Stage(name, samples, seconds, samplesPerSecond, megabytesPerSecond, heapBytesPerSample,
                    trainerWaitRatio, cpuCores, decodeUs, augmentUs);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static BenchReport of(String source, long records, long encodedBytes, Bench.Options o, List<Stage> stages,
                          long peakDirect, int cores) {
        Stage ceiling = find(stages, "decode ceiling");
        Stage kafka = find(stages, "kafka read");
        Stage loader = find(stages, "loader");
        Stage naive = find(stages, "naive java");
        Stage stepped = stages.stream().filter(s -> s.name().equals("loader + step")).findFirst().orElse(null);
        Stage filling = stages.stream().filter(s -> s.name().equals(Bench.FILLING)).findFirst().orElse(null);
        Stage cached = stages.stream().filter(s -> s.name().equals(Bench.CACHED)).findFirst().orElse(null);
        Stage augmented = stages.stream().filter(s -> s.name().equals(Bench.AUGMENTED)).findFirst().orElse(null);
        return new BenchReport(source, records, encodedBytes, o.threads(), cores, o.batch(),
                o.pixels().width() + "x" + o.pixels().height(), o.pixels().channels(), o.repeat(), o.warmupSeconds(), List.copyOf(stages),
                loader.samplesPerSecond() / ceiling.samplesPerSecond(), finiteOrNull(perCpu(loader) / perCpu(ceiling)),
                loader.samplesPerSecond() / naive.samplesPerSecond(),
                loader.heapBytesPerSample() - kafka.heapBytesPerSample(), peakDirect,
                stepped == null ? null : o.simulateStepMs(), stepped == null ? null : stepped.trainerWaitRatio(),
                cached == null ? null : cached.samplesPerSecond() / ceiling.samplesPerSecond(),
                filling == null ? null : filling.samplesPerSecond() / loader.samplesPerSecond(),
                augmented == null ? null : o.augment().toString(), augmented == null ? null : augmented.augmentMicros(),
                augmented == null ? null : augmented.augmentMicros() / augmented.decodeMicros(), null);
    }

    /** This report with the cold starts measured beside it, each set against the warm stage it repeats. */
    BenchReport withCold(List<ColdStarts.Result> results) {
        List<ColdStarts.Result> compared = new java.util.ArrayList<>();
        for (ColdStarts.Result r : results) {
            Stage warm = stages.stream().filter(s -> s.name().equals(r.warmStage())).findFirst().orElse(null);
            compared.add(new ColdStarts.Result(r.name(), r.launch(), r.processes(), r.firstBatchSeconds(),
                    r.lastBatchSeconds(), r.exitSeconds(), r.samples(), r.runSamplesPerSecond(),
                    r.fromStartSamplesPerSecond(), r.steps(), r.warmStage(),
                    warm == null ? null : r.runSamplesPerSecond() / warm.samplesPerSecond()));
        }
        return new BenchReport(source, records, encodedBytes, threads, cores, batch, size, channels, repeat, warmupSeconds,
                stages, loaderOverCeiling, loaderOverCeilingPerCpu, loaderOverNaive, loaderHeapBeyondKafka, peakDirectBytes,
                simulatedStepMs, trainerWaitRatio, cachedOverCeiling, fillingOverLoader, augment, augmentMicros,
                augmentOverDecode, List.copyOf(compared));
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Samples per second of CPU the whole process used, JIT compilation left out (NaN without a CPU measurement). */
    private static double perCpu(Stage s) {
        Double cores = s.cpuCores() == null ? null : s.cpuCores().get("total");
        if (cores == null) {
            return Double.NaN;
        }
        // JIT compilation is a start-up cost of the JVM: still running in a short benchmark, long
        // over in a training job, and it falls on the stages unevenly.
        double working = cores - s.cpuCores().getOrDefault(CpuUse.JIT, 0.0);
        return working <= 0 ? Double.NaN : s.samplesPerSecond() / working;
    }

    private static Stage find(List<Stage> stages, String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** The table for the console. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s: %d records (%.1f MB encoded), %s x %d channels, batch %d, %d threads on %d cores, median of %d after %.0f s warm-up%n",
                source, records, encodedBytes / 1e6, size, channels, batch, threads, cores, repeat, warmupSeconds));
        sb.append(String.format(Locale.ROOT, "%-16s %12s %10s %16s%n", "stage", "samples/s", "MB/s", "heap B/sample"));
        for (Stage s : stages) {
            sb.append(String.format(Locale.ROOT, "%-16s %,12.0f %10.1f %16.0f%s%n", s.name(), s.samplesPerSecond(),
                    s.megabytesPerSecond(), s.heapBytesPerSample(),
                    s.trainerWaitRatio() == null ? "" : String.format(Locale.ROOT, "   trainer waited %.1f%%", 100 * s.trainerWaitRatio())));
        }
        for (Stage s : stages) {
            if (s.cpuCores() != null) {
                sb.append(String.format(Locale.ROOT, "%-16s CPU %.2f of %d cores:", s.name(), s.cpuCores().getOrDefault("total", 0.0), cores));
                s.cpuCores().forEach((role, c) -> {
                    if (!role.equals("total") && c >= 0.005) {
                        sb.append(String.format(Locale.ROOT, " %s %.2f,", role, c));
                    }
                });
                sb.setLength(sb.length() - 1);
                sb.append(System.lineSeparator());
            }
        }
        sb.append(String.format(Locale.ROOT, "loader / ceiling %.2f (per CPU second %.2f)   loader / naive %.1f   "
                + "loader heap beyond Kafka %.0f B/sample   peak direct memory %.1f MB%n", loaderOverCeiling,
                loaderOverCeilingPerCpu == null ? Double.NaN : loaderOverCeilingPerCpu, loaderOverNaive, loaderHeapBeyondKafka, peakDirectBytes / 1e6));
        if (cachedOverCeiling != null) {
            sb.append(String.format(Locale.ROOT, "cached / ceiling %.1f   filling / loader %.2f%n", cachedOverCeiling,
                    fillingOverLoader));
        }
        if (augmentOverDecode != null) {
            sb.append(String.format(Locale.ROOT, "augmentation %s: %.2f us a sample, %.0f%% of a decode%n", augment,
                    augmentMicros, 100 * augmentOverDecode));
        }
        sb.append("(MB/s: decoded pixels, except kafka read: encoded bytes; heap: bytes allocated by the stage's threads;\n"
                + " CPU: cores busy on average, by thread role; per CPU second: samples per second of process CPU less JIT\n"
                + " compilation, which compares the stages when the machine lends them unequal CPU)");
        if (cold != null) {
            sb.append(System.lineSeparator()).append(ColdStarts.table(cold));
        }
        return sb.toString();
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }
}

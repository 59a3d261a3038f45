package io.spritestream.loader.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code train --report-json FILE}: what a training run did. The top-level accuracies and losses are
 * the last epoch's; {@code samples_per_s} is training samples per second of the training passes;
 * {@code trainer_wait_ratio} is the time the loop waited for batches (training and validation) over
 * the whole run's wall time; {@code startup}: seconds from the process's start to each step of its
 * start (as a load's report has them); {@code history} has every epoch; {@code dead_lettered} and
 * {@code dead_letter_reasons}: the records of the epochs this run trained and validated on that were
 * dead letters instead of samples (a record without a label, with a label the version's class list
 * lacks, or that does not decode), counted once per epoch, as {@code load}'s report counts them.
 * {@code validation_accuracy} and {@code validation_loss} are null (never NaN) when the last epoch had
 * no validation samples; {@code no_validation} then says why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"epochs", "train_accuracy", "validation_accuracy", "train_loss", "validation_loss",
        "no_validation", "samples_per_s", "trainer_wait_ratio", "seconds", "train_samples", "validation_samples", "device",
        "dead_lettered", "dead_letter_reasons", "dataset", "classes", "model_dir", "stopped", "checkpoint", "startup",
        "history"})
public record TrainingReport(
        @JsonProperty("epochs") int epochs,
        @JsonProperty("train_accuracy") double trainAccuracy,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("validation_accuracy") Double validationAccuracy,
        @JsonProperty("train_loss") double trainLoss,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("validation_loss") Double validationLoss,
        @JsonProperty("no_validation") String noValidation,
        @JsonProperty("samples_per_s") double samplesPerSecond,
        @JsonProperty("trainer_wait_ratio") double trainerWaitRatio,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("train_samples") long trainSamples,
        @JsonProperty("validation_samples") long validationSamples,
        @JsonProperty("dead_lettered") long deadLettered,
        @JsonProperty("dead_letter_reasons") java.util.Map<String, Long> deadLetterReasons,
        @JsonProperty("device") String device,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("classes") List<String> classes,
        @JsonProperty("model_dir") String modelDir,
        @JsonProperty("stopped") String stopped,
        @JsonProperty("checkpoint") String checkpoint,
        @JsonProperty("startup") java.util.Map<String, Double> startup,
        @JsonProperty("history") List<EpochResult> history) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainingReport {
        classes = classes == null ? null : List.copyOf(classes);
        deadLetterReasons = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(deadLetterReasons));
        history = List.copyOf(history);
    }

    /** The same report, naming the folder the model was saved to. */
    public TrainingReport withModelDir(Path dir) {
        return new TrainingReport(epochs, trainAccuracy, validationAccuracy, trainLoss, validationLoss, noValidation,
                samplesPerSecond, trainerWaitRatio, seconds, trainSamples, validationSamples, deadLettered,
                deadLetterReasons, device, dataset, classes, dir.toString(), stopped, checkpoint, startup, history);
    }

    /** The same report, naming the last checkpoint written. */
    public TrainingReport withCheckpoint(Path dir) {
        return new TrainingReport(epochs, trainAccuracy, validationAccuracy, trainLoss, validationLoss, noValidation,
                samplesPerSecond, trainerWaitRatio, seconds, trainSamples, validationSamples, deadLettered,
                deadLetterReasons, device, dataset, classes, modelDir, stopped, dir == null ? null : dir.toString(), startup,
                history);
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    /**
     * The line that says which records were left out ({@code left out 4 records, dead letters in
     * sprites.x.dlq: unknown_label 2, unlabelled 2}), or empty if none was.
     *
     * @param deadLetterTopic where the dead letters went
     */
    public java.util.Optional<String> deadLetterLine(String deadLetterTopic) {
        if (deadLettered == 0) {
            return java.util.Optional.empty();
        }
        StringBuilder reasons = new StringBuilder();
        deadLetterReasons.forEach((reason, n) -> reasons.append(reasons.length() == 0 ? "" : ", ").append(reason)
                .append(' ').append(n));
        return java.util.Optional.of("left out " + deadLettered + (deadLettered == 1 ? " record" : " records")
                + " that cannot be trained on, once per epoch (" + reasons + "): dead letters in " + deadLetterTopic);
    }

    /** One line for the console. */
    public String summary() {
        if (history.isEmpty()) {
            return String.format(Locale.ROOT, "trained no whole epoch in %.1f s%s", seconds,
                    stopped == null ? "" : " (" + stopped + ")");
        }
        String validation = validationAccuracy == null ? (noValidation == null ? "no validation" : "no validation samples")
                : String.format(Locale.ROOT, "validation accuracy %.3f", validationAccuracy);
        return String.format(Locale.ROOT,
                "trained %d epoch(s) in %.1f s: train accuracy %.3f, %s; %.0f samples/s, trainer wait %.1f%%%s",
                epochs, seconds, trainAccuracy, validation, samplesPerSecond, 100 * trainerWaitRatio,
                stopped == null ? "" : " (" + stopped + ")");
    }
}

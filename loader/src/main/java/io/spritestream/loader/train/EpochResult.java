package io.spritestream.loader.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Locale;

/**
 * One epoch of training: loss and accuracy on the training batches (as the model was while it
 * learned) and on the validation batches (after the epoch), throughput and starvation.
 *
 * @param epoch              from 1
 * @param trainLoss          mean loss over the epoch's training batches
 * @param trainAccuracy      share of training samples predicted right during the epoch
 * @param validationLoss     mean loss over the validation batches, or null without validation samples
 * @param validationAccuracy share of validation samples predicted right, or null without validation samples
 * @param trainSamples       training samples in the epoch
 * @param validationSamples  validation samples in the epoch
 * @param seconds            wall time of the epoch (training and validation passes)
 * @param samplesPerSecond   training samples per second of the training pass
 * @param trainerWaitRatio   time the loop waited for its next batch (both passes) / wall time of the epoch
 * @param noValidation       why the validation values are null ({@code the validation side of the split is
 *                           empty: ...}), or null if they are not
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"epoch", "train_loss", "train_accuracy", "validation_loss", "validation_accuracy",
        "no_validation", "train_samples", "validation_samples", "seconds", "samples_per_s", "trainer_wait_ratio"})
public record EpochResult(
        @JsonProperty("epoch") int epoch,
        @JsonProperty("train_loss") double trainLoss,
        @JsonProperty("train_accuracy") double trainAccuracy,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("validation_loss") Double validationLoss,
        @JsonInclude(JsonInclude.Include.ALWAYS) @JsonProperty("validation_accuracy") Double validationAccuracy,
        @JsonProperty("train_samples") long trainSamples,
        @JsonProperty("validation_samples") long validationSamples,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("samples_per_s") double samplesPerSecond,
        @JsonProperty("trainer_wait_ratio") double trainerWaitRatio,
        @JsonProperty("no_validation") String noValidation) {

    /** One line for the console. */
    public String summary(int epochs) {
        String validation = validationAccuracy != null ? null : noValidation == null ? "no validation"
                : "validation: no samples";
        validation = validation != null ? validation : String.format(Locale.ROOT, "validation loss %.3f accuracy %.3f", validationLoss, validationAccuracy);
        return String.format(Locale.ROOT,
                "epoch %d/%d  train loss %.3f accuracy %.3f  %s  %.0f samples/s  trainer wait %.1f%%  (%.1f s)",
                epoch, epochs, trainLoss, trainAccuracy, validation, samplesPerSecond, 100 * trainerWaitRatio, seconds);
    }
}

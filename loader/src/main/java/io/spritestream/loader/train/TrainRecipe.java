package io.spritestream.loader.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.replay.OrderSpec;
import java.util.Locale;

/**
 * What defines a training run, kept in each of its checkpoints so that {@code train --resume} is the
 * same run: the exact dataset version, the samples, the split, the order's seed, the optimiser's
 * learning rate, the normalisation, the augmentation and how many epochs were asked for.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainRecipe(
        @JsonProperty("dataset") String dataset,
        @JsonProperty("batch") int batch,
        @JsonProperty("width") int width,
        @JsonProperty("height") int height,
        @JsonProperty("channels") int channels,
        @JsonProperty("fit") String fit,
        @JsonProperty("validation_fraction") double validationFraction,
        @JsonProperty("seed") long seed,
        @JsonProperty("shuffle") boolean shuffle,
        @JsonProperty("learning_rate") float learningRate,
        @JsonProperty("mean") float[] mean,
        @JsonProperty("std") float[] std,
        @JsonProperty("augment") String augment,
        @JsonProperty("epochs") int epochs) {

    public PixelSpec pixels() {
        return new PixelSpec(width, height, channels, Fit.valueOf(fit.toUpperCase(Locale.ROOT)));
    }

    public PixelNormalization normalization() {
        return mean == null ? PixelNormalization.scaleOnly() : PixelNormalization.meanStd(mean, std);
    }

    public OrderSpec order() {
        return shuffle ? OrderSpec.shuffled(seed) : OrderSpec.inOffsetOrder();
    }

    /** A fresh run's loader settings (no split yet). */
    public LoaderConfig config() {
        return LoaderConfig.dataset(DatasetRef.parse(dataset)).batchSize(batch).pixels(pixels()).order(order())
                .augment(AugmentSpec.parse(augment));
    }

    /** The same recipe with another number of epochs asked for. */
    public TrainRecipe withEpochs(int value) {
        return new TrainRecipe(dataset, batch, width, height, channels, fit, validationFraction, seed, shuffle,
                learningRate, mean, std, augment, value);
    }

    /** The same recipe naming the exact version a run resolved. */
    public TrainRecipe withDataset(String version) {
        return new TrainRecipe(version, batch, width, height, channels, fit, validationFraction, seed, shuffle,
                learningRate, mean, std, augment, epochs);
    }
}

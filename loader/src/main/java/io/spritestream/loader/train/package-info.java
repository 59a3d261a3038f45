/**
 * Training on the stream with DJL: {@link SpriteDataset} (a DJL {@code Dataset} over the stream),
 * {@link DeviceStage}, {@link PixelNormalization}, {@link StreamBatch}, {@link SpriteNet} and
 * {@link SpriteTrainer}; {@link Checkpoint}s written after every epoch, {@link TrainRecipe}, and
 * {@link Evaluation} of a saved model. Start at {@link SpriteDataset}.
 *
 * <p>May use {@code pipeline}, {@code augment}, {@code batch}, {@code ingest}, {@code replay},
 * {@code decode}, {@code tensor}, {@code memory}, the shared packages and DJL.
 */
package io.spritestream.loader.train;

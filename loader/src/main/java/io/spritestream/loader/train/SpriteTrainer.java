package io.spritestream.loader.train;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.spritestream.loader.batch.SpriteBatch;

/**
 * Training steps of {@link SpriteNet} on loader batches, on the CPU. The uint8 {@code [B, H, W, C]}
 * batch becomes float {@code [B, C, H, W]} scaled to [0, 1] by DJL ops; intermediate arrays live in
 * the batch's manager and are freed when the batch is closed.
 *
 * <p>Single-threaded.
 */
public final class SpriteTrainer implements AutoCloseable {

    private final Model model;
    private final Trainer trainer;

    public SpriteTrainer(int classes, int channels, int height, int width, int batchSize, float learningRate) {
        this.model = Model.newInstance("spritenet", ai.djl.Device.cpu(), "PyTorch");
        model.setBlock(SpriteNet.build(classes));
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build());
        this.trainer = model.newTrainer(config);
        trainer.initialize(new Shape(batchSize, channels, height, width));
    }

    /** One step on {@code batch}: forward, loss, backward, update. */
    public StepResult step(SpriteBatch batch) {
        NDArray x = toInput(batch.images());
        NDArray y = batch.labels().toType(DataType.INT64, false);
        float loss;
        long correct;
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDList predictions = trainer.forward(new NDList(x));
            NDArray lossValue = trainer.getLoss().evaluate(new NDList(y), predictions);
            collector.backward(lossValue);
            loss = lossValue.getFloat();
            correct = predictions.singletonOrThrow().argMax(1).eq(y).countNonzero().getLong();
        }
        trainer.step();
        return new StepResult(loss, correct, batch.size());
    }

    /** {@code [B, H, W, C]} uint8 to {@code [B, C, H, W]} float32 in [0, 1]. */
    public static NDArray toInput(NDArray images) {
        return images.toType(DataType.FLOAT32, false).div(255f).transpose(0, 3, 1, 2);
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }

    /** Loss and correct predictions of one step. */
    public record StepResult(float loss, long correct, int samples) {}
}

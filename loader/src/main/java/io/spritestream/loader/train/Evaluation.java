package io.spritestream.loader.train;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import io.spritestream.loader.replay.KeySplit;

/**
 * A saved SpriteNet over a dataset: every sample through the network once, the predictions counted
 * in a confusion matrix (rows: true class; columns: predicted), per-class precision and recall, and
 * the samples the model got most wrong (the lowest probability of their true class), kept with their
 * pixels for a picture.
 */
public final class Evaluation {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Evaluation() {}

    /**
     * What {@code --save-model} (or a checkpoint) wrote: the classes, the input the network expects
     * and, when {@code train} wrote it, the dataset and split it was trained on.
     */
    public record SavedModel(Path dir, List<String> classes, PixelSpec pixels, PixelNormalization normalization,
                             String dataset, Double validationFraction) {

        public static SavedModel read(Path dir) throws IOException {
            Path synset = dir.resolve("synset.txt");
            Path input = dir.resolve("spritestream-input.json");
            if (!Files.isRegularFile(synset) || !Files.isRegularFile(input)) {
                throw new IllegalArgumentException("--model: " + dir + " holds no saved model (expected synset.txt and "
                        + "spritestream-input.json, as train --save-model or --checkpoint-dir writes them)");
            }
            List<String> classes = Files.readAllLines(synset).stream().filter(l -> !l.isEmpty()).toList();
            JsonNode in = JSON.readTree(input.toFile());
            if (in.has("classes") && in.get("classes").asInt() != classes.size()) {
                // A class name with a line break in it (written before names were checked) shifts every later one.
                throw new IllegalArgumentException("--model: " + dir + " has " + classes.size() + " class names in "
                        + "synset.txt but a network of " + in.get("classes").asInt() + " classes (spritestream-input.json)");
            }
            PixelSpec pixels = new PixelSpec(in.get("width").asInt(), in.get("height").asInt(), in.get("channels").asInt(),
                    Fit.valueOf(in.get("fit").asText().toUpperCase(Locale.ROOT)));
            PixelNormalization normalization = in.has("mean")
                    ? PixelNormalization.meanStd(floats(in.get("mean")), floats(in.get("std")))
                    : PixelNormalization.scaleOnly();
            return new SavedModel(dir, classes, pixels, normalization,
                    in.has("dataset") ? in.get("dataset").asText() : null,
                    in.has("validation_fraction") ? in.get("validation_fraction").asDouble() : null);
        }

        private static float[] floats(JsonNode array) {
            float[] out = new float[array.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) array.get(i).asDouble();
            }
            return out;
        }
    }

    /** Told how far an evaluation has got. */
    public interface Progress {
        /** About how many samples there are. */
        default void expected(long samples) {
        }

        /** {@code samples} more went through the network. */
        void done(long samples);
    }

    /** One of the worst-classified samples. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Miss(@JsonProperty("key") String key, @JsonProperty("partition") int partition,
                       @JsonProperty("offset") long offset, @JsonProperty("true") String trueClass,
                       @JsonProperty("predicted") String predicted,
                       @JsonProperty("probability_of_true") double probabilityOfTrue,
                       @com.fasterxml.jackson.annotation.JsonIgnore byte[] pixels) {}

    /** Precision, recall and F1 of one class, and how many samples it had. */
    public record ClassScore(@JsonProperty("class") String name, @JsonProperty("precision") double precision,
                             @JsonProperty("recall") double recall, @JsonProperty("f1") double f1,
                             @JsonProperty("support") long support) {}

    /** What an evaluation found. {@code confusion[t][p]}: samples of class t predicted as p. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(@JsonProperty("model") String model, @JsonProperty("dataset") String dataset,
                         @JsonProperty("side") String side, @JsonProperty("samples") long samples,
                         @JsonProperty("accuracy") double accuracy,
                         @JsonProperty("unknown_class") long unknownClass,
                         @JsonProperty("classes") List<String> classes,
                         @JsonProperty("per_class") List<ClassScore> perClass,
                         @JsonProperty("confusion") long[][] confusion,
                         @JsonProperty("worst") List<Miss> worst,
                         @JsonProperty("confusion_png") String confusionPng,
                         @JsonProperty("worst_png") String worstPng) {

        public Result withPictures(Path confusion, Path worstSheet) {
            return new Result(model, dataset, side, samples, accuracy, unknownClass, classes, perClass, this.confusion,
                    worst, confusion == null ? null : confusion.toString(), worstSheet == null ? null : worstSheet.toString());
        }

        public void write(Path file) throws IOException {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            JSON.writeValue(file.toFile(), this);
        }
    }

    /**
     * Every sample {@code data} delivers through {@code model} on {@code device}; the {@code worst}
     * lowest probabilities of the true class kept with their pixels. {@code progress} is told each
     * batch's size.
     */
    public static Result run(SavedModel model, LoaderSettings data, KafkaSettings kafka, Device device, int worst,
                             String side, Progress progress) throws IOException, InterruptedException {
        List<String> classes = model.classes();
        int n = classes.size();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            index.put(classes.get(i), i);
        }
        long[][] confusion = new long[n][n];
        long unknown = 0;
        long samples = 0;
        PriorityQueue<Miss> misses = new PriorityQueue<>(Comparator.comparingDouble(Miss::probabilityOfTrue).reversed());
        String dataset;
        try (NDManager host = NDManager.newBaseManager(Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(data, kafka, host, LoaderListener.NONE); // the data first: a
             Model network = Model.newInstance(SpriteTrainer.MODEL_NAME, device, "PyTorch")) { // dead broker says so
            network.setBlock(SpriteNet.build(n));
            try {
                network.load(model.dir(), SpriteTrainer.MODEL_NAME);
            } catch (MalformedModelException | java.io.FileNotFoundException e) {
                throw new IllegalArgumentException("--model: cannot read the parameters in " + model.dir() + " ("
                        + e.getMessage() + ")", e);
            }
            ParameterStore parameters = new ParameterStore(network.getNDManager(), false);
            {
                dataset = loader.source().manifest().map(m -> m.key()).orElse(loader.source().topic());
                KeySplit split = data.keySplit();
                long records = loader.plannedRecords();
                progress.expected(split == null ? records : Math.round(records
                        * (split.side() == KeySplit.Side.VALIDATION ? split.validationFraction() : 1 - split.validationFraction())));
                for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                    try (SpriteBatch batch = next; NDManager step = network.getNDManager().newSubManager()) {
                        NDArray images = batch.images().toDevice(device, true);
                        images.attach(step);
                        NDArray input = model.normalization().apply(images);
                        NDArray logits = network.getBlock().forward(parameters, new NDList(input), false)
                                .singletonOrThrow();
                        float[] p = logits.softmax(1).toFloatArray();
                        List<String> theirs = batch.classes();
                        ByteBuffer pixels = batch.pixelBytes();
                        int sampleBytes = model.pixels().sampleBytes();
                        for (int row = 0; row < batch.size(); row++) {
                            int label = batch.label(row);
                            Integer truth = label >= 0 && label < theirs.size() ? index.get(theirs.get(label)) : null;
                            if (truth == null) {
                                unknown++;
                                continue;
                            }
                            int predicted = 0;
                            for (int c = 1; c < n; c++) {
                                if (p[row * n + c] > p[row * n + predicted]) {
                                    predicted = c;
                                }
                            }
                            confusion[truth][predicted]++;
                            samples++;
                            double pTrue = p[row * n + truth];
                            if (worst > 0 && (misses.size() < worst || pTrue < misses.peek().probabilityOfTrue())) {
                                byte[] copy = new byte[sampleBytes]; // only the worst few are kept
                                pixels.get(row * sampleBytes, copy);
                                misses.add(new Miss(batch.key(row), batch.partition(row), batch.offset(row),
                                        classes.get(truth), classes.get(predicted), pTrue, copy));
                                if (misses.size() > worst) {
                                    misses.poll();
                                }
                            }
                        }
                        progress.done(batch.size());
                    }
                }
            }
        }
        List<Miss> worstFirst = new ArrayList<>(misses);
        worstFirst.sort(Comparator.comparingDouble(Miss::probabilityOfTrue));
        long right = 0;
        for (int i = 0; i < n; i++) {
            right += confusion[i][i];
        }
        return new Result(model.dir().toString(), dataset, side, samples, samples == 0 ? 0 : (double) right / samples,
                unknown, classes, scores(classes, confusion), confusion, worstFirst, null, null);
    }

    /** Precision, recall and F1 of each class from the confusion matrix. */
    static List<ClassScore> scores(List<String> classes, long[][] confusion) {
        List<ClassScore> out = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            long predicted = 0;
            long actual = 0;
            for (int i = 0; i < classes.size(); i++) {
                predicted += confusion[i][c];
                actual += confusion[c][i];
            }
            double precision = predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
            double recall = actual == 0 ? 0 : (double) confusion[c][c] / actual;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            out.add(new ClassScore(classes.get(c), precision, recall, f1, actual));
        }
        return out;
    }
}

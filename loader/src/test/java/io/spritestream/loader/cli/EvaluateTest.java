package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.CliRun;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.export.ConfusionPicture;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.testing.Datasets;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} over a model {@code train} saved, on a real broker: the report's numbers agree with
 * its confusion matrix and with the validation side's samples, and the pictures show them.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private String bootstrap;
    private Path model;

    @BeforeAll
    void trainAModel(EmbeddedKafka broker, @TempDir Path dir) {
        bootstrap = broker.bootstrapServers();
        Datasets.synthetic(KafkaSettings.of(bootstrap), "evaluate-test", 400, 6, 16, 2);
        model = dir.resolve("model");
        CliRun train = CliRun.run(new LoaderMain(), "train", "--bootstrap", bootstrap, "--dataset", "evaluate-test",
                "--size", "16", "--batch", "16", "--epochs", "2", "--validation-fraction", "0.25", "--seed", "2",
                "--learning-rate", "0.0005", "--quiet", "--save-model", model.toString());
        assertEquals(0, train.exit(), train.err());
    }

    private static double luminance(int argb) {
        return 0.299 * (argb >> 16 & 0xFF) + 0.587 * (argb >> 8 & 0xFF) + 0.114 * (argb & 0xFF);
    }

    @Test
    void theValidationSidesReportAgreesWithItsConfusionMatrixAndItsPicturesShowIt(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("eval.json");
        Path confusion = dir.resolve("confusion.png");
        Path worst = dir.resolve("worst.png");

        CliRun r = CliRun.run(new LoaderMain(), "evaluate", "--bootstrap", bootstrap, "--model", model.toString(),
                "--validation", "--worst", "10", "--quiet", "--report-json", report.toString(), "--confusion-png",
                confusion.toString(), "--worst-png", worst.toString());

        assertEquals(0, r.exit(), r.err());
        JsonNode json = JSON.readTree(report.toFile());
        List<String> classes = new ArrayList<>();
        json.get("classes").forEach(c -> classes.add(c.asText()));
        int n = classes.size();
        assertEquals(6, n);
        long[][] counts = new long[n][n];
        long total = 0;
        long right = 0;
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                counts[t][p] = json.get("confusion").get(t).get(p).asLong();
                total += counts[t][p];
                right += t == p ? counts[t][p] : 0;
            }
        }
        assertEquals(validationSamples(), json.get("samples").asLong(), "every validation sample once");
        assertEquals(total, json.get("samples").asLong());
        assertEquals((double) right / total, json.get("accuracy").asDouble(), 1e-12);
        for (int c = 0; c < n; c++) {
            JsonNode score = json.get("per_class").get(c);
            long column = 0;
            long row = 0;
            for (int i = 0; i < n; i++) {
                column += counts[i][c];
                row += counts[c][i];
            }
            assertEquals(classes.get(c), score.get("class").asText());
            assertEquals(row, score.get("support").asLong());
            assertEquals(row == 0 ? 0 : (double) counts[c][c] / row, score.get("recall").asDouble(), 1e-12);
            assertEquals(column == 0 ? 0 : (double) counts[c][c] / column, score.get("precision").asDouble(), 1e-12);
        }
        assertTrue(r.out().contains("accuracy"), r.out());

        // The picture: its size is the grid's, every empty cell is white, and in each row more is darker.
        BufferedImage picture = ImageIO.read(confusion.toFile());
        int longest = classes.stream().mapToInt(String::length).max().orElseThrow();
        ConfusionPicture.Layout layout = ConfusionPicture.layout(n, longest);
        assertEquals(layout.width(), picture.getWidth());
        assertEquals(layout.height(), picture.getHeight());
        for (int t = 0; t < n; t++) {
            for (int a = 0; a < n; a++) {
                int colourA = picture.getRGB(layout.x(a) + 1, layout.y(t) + 1);
                if (counts[t][a] == 0) {
                    assertEquals(0xFFFFFFFF, colourA, "cell " + t + "," + a + " holds nothing");
                }
                for (int b = 0; b < n; b++) {
                    int colourB = picture.getRGB(layout.x(b) + 1, layout.y(t) + 1);
                    if (counts[t][a] > counts[t][b]) {
                        assertTrue(luminance(colourA) < luminance(colourB), "row " + t + ": " + counts[t][a]
                                + " is not darker than " + counts[t][b]);
                    } else if (counts[t][a] == counts[t][b]) {
                        assertEquals(colourA, colourB);
                    }
                }
            }
        }

        // The worst: ten, lowest probability of the true class first, in the sheet.
        JsonNode misses = json.get("worst");
        assertEquals(10, misses.size());
        for (int i = 1; i < misses.size(); i++) {
            assertTrue(misses.get(i - 1).get("probability_of_true").asDouble()
                    <= misses.get(i).get("probability_of_true").asDouble());
        }
        assertTrue(Files.size(worst) > 0);
        assertEquals(worst.toString(), json.get("worst_png").asText());
    }

    private long validationSamples() throws InterruptedException {
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("evaluate-test"))
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).keySplit(KeySplit.validation(0.25));
        long samples = 0;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(config, KafkaSettings.of(bootstrap), manager)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch b = next) {
                    samples += b.size();
                }
            }
        }
        return samples;
    }

    @Test
    void aFolderWithoutAModelOrWithoutItsSplitIsOneLine(@TempDir Path dir) throws Exception {
        CliRun none = CliRun.run(new LoaderMain(), "evaluate", "--bootstrap", bootstrap, "--model", dir.toString(),
                "--dataset", "evaluate-test");
        assertEquals(2, none.exit());
        assertTrue(none.err().startsWith("error: --model: " + dir + " holds no saved model"), none.err());

        Path noSplit = dir.resolve("no-split");
        assertEquals(0, CliRun.run(new LoaderMain(), "train", "--bootstrap", bootstrap, "--dataset", "evaluate-test",
                "--size", "16", "--epochs", "1", "--validation-fraction", "0", "--quiet", "--save-model",
                noSplit.toString()).exit());
        CliRun validation = CliRun.run(new LoaderMain(), "evaluate", "--bootstrap", bootstrap, "--model",
                noSplit.toString(), "--validation");
        assertEquals(2, validation.exit());
        assertTrue(validation.err().startsWith("error: --validation: "), validation.err());
    }
}

package io.spritestream.loader.train;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.spritestream.loader.replay.LoaderState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code checkpoint.json}: where a training run stood when its checkpoint was written. Next to it
 * in the checkpoint's folder are the parameters ({@code spritenet-NNNN.params}), {@code synset.txt}
 * and {@code spritestream-input.json}, as {@code --save-model} writes them.
 *
 * @param epochsDone     epochs whose training and validation passes were complete
 * @param batchesInto    batches of the next epoch already trained on (0 at an epoch's end; more when
 *                       the run was stopped mid-epoch)
 * @param recipe         what the run is
 * @param bootstrap      the Kafka bootstrap servers the run read from (a resume reads there unless told
 *                       otherwise); null in checkpoints written before they were kept
 * @param kafkaConfig    the run's {@code --kafka-config} file (absolute), or null
 * @param modelDir       the run's {@code --save-model} folder (absolute), where a resumed run saves its
 *                       model too; null if it had none
 * @param trainState     the training side's loader state just after the last batch trained on: a
 *                       loader resumed from it gives exactly the batches the run would have had next
 * @param history        every complete epoch's figures
 * @param optimizer      what a resume does not restore (DJL keeps Adam's moments to itself)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"format", "epochs_done", "batches_into", "recipe", "bootstrap", "kafka_config", "model_dir",
        "optimizer", "train_state", "history", "written"})
public record Checkpoint(
        @JsonProperty("format") int format,
        @JsonProperty("epochs_done") int epochsDone,
        @JsonProperty("batches_into") long batchesInto,
        @JsonProperty("recipe") TrainRecipe recipe,
        @JsonProperty("bootstrap") String bootstrap,
        @JsonProperty("kafka_config") String kafkaConfig,
        @JsonProperty("model_dir") String modelDir,
        @JsonProperty("optimizer") String optimizer,
        @JsonProperty("train_state") LoaderState trainState,
        @JsonProperty("history") List<EpochResult> history,
        @JsonProperty("written") String written) {

    public static final int FORMAT = 1;
    /** Said in every checkpoint, and by {@code train --resume}. */
    public static final String OPTIMIZER_NOTE = "Adam: the learning rate is kept; its moment estimates start again "
            + "from zero on resume (DJL does not expose them)";
    static final String FILE = "checkpoint.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public Checkpoint {
        history = List.copyOf(history);
    }

    /** Whether it was written at an epoch's end (not mid-epoch, by a stop). */
    @JsonIgnore
    public boolean atEpochEnd() {
        return batchesInto == 0;
    }

    /** {@code checkpoint-0003} at the end of epoch 3; {@code checkpoint-0003-00037} 37 batches into epoch 4. */
    @JsonIgnore
    public String folderName() {
        return batchesInto == 0 ? String.format("checkpoint-%04d", epochsDone)
                : String.format("checkpoint-%04d-%05d", epochsDone, batchesInto);
    }

    void write(Path folder) throws IOException {
        JSON.writeValue(folder.resolve(FILE).toFile(), this);
    }

    public static Checkpoint read(Path folder) throws IOException {
        return JSON.readValue(folder.resolve(FILE).toFile(), Checkpoint.class);
    }
}

package io.spritestream.loader.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.LoaderProcess;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench --cold}: fresh processes of every case, each with its start's steps and its rates. */
@ExtendWith(SharedKafka.class)
class ColdStartsTest {

    @Test
    void everyCaseRunsInFreshProcessesAndSaysWhenItsFirstAndLastBatchCame(EmbeddedKafka broker, @TempDir Path work)
            throws Exception {
        DatasetManifest m = Datasets.synthetic(KafkaSettings.of(broker.bootstrapServers()), "cold-test", 200, 4, 16, 2);
        List<String> source = List.of("--bootstrap", broker.bootstrapServers(), "--dataset", m.key(), "--size", "16",
                "--batch", "32", "--threads", "2");
        List<String> java = LoaderProcess.javaCommand();
        ColdStarts cold = new ColdStarts(new ColdStarts.Launch("java -cp", java), new ColdStarts.Launch("java -jar", java),
                source, 2, work, message -> { });

        List<ColdStarts.Result> results = cold.run(1);

        assertEquals(List.of("load, no cache", "load, cache filling", "load, cache warm", "feed, no cache",
                "java -jar load, no cache"), results.stream().map(ColdStarts.Result::name).toList());
        for (ColdStarts.Result r : results) {
            assertEquals(400, r.samples(), r.name() + ": two epochs of 200");
            assertTrue(r.firstBatchSeconds() > 0 && r.firstBatchSeconds() <= r.lastBatchSeconds()
                    && r.lastBatchSeconds() <= r.exitSeconds(), r.toString());
            assertTrue(r.runSamplesPerSecond() > 0 && r.fromStartSamplesPerSecond() > 0, r.toString());
            assertTrue(r.steps().keySet().containsAll(List.of("main", "command", "resolved", "started", "first_batch",
                    "last_batch")), r.name() + ": " + r.steps());
        }
        assertEquals(Bench.FILLING, results.get(1).warmStage());
        assertEquals(Bench.CACHED, results.get(2).warmStage());
        assertEquals("loader", results.get(0).warmStage());
        String table = ColdStarts.table(results);
        assertTrue(table.contains("load, cache warm") && table.contains("first batch"), table);
    }
}

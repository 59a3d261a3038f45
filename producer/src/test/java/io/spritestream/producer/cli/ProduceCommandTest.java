package io.spritestream.producer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.Cli;
import io.spritestream.cli.CliRun;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The producer's command line, run in-process with its output captured. */
@ExtendWith(SharedKafka.class)
class ProduceCommandTest {

    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.run(new ProducerMain(), args);
    }

    @Test
    void helpExitsZeroAndListsTheCommands() {
        CliRun run = run("--help");

        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("produce"), run.toString());
        assertTrue(run.out().contains("datasets"), run.toString());
    }

    @Test
    void noCommandPrintsTheUsageOnTheCommandLinesOutput() {
        CliRun run = run();

        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("Usage: spritestream-producer"), run.toString());
    }

    @Test
    void produceWithoutASourceExitsTwoWithAOneLineReason() {
        CliRun run = run("produce", "--dataset", "x");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        String reason = run.errLines().get(0);
        assertTrue(reason.startsWith("error: missing required argument"), run.toString());
        assertTrue(reason.contains("--dir") && reason.contains("--synthetic") && reason.contains("--sheet"), reason);
        assertEquals("Try 'spritestream-producer produce --help' for more information.", run.errLines().get(1));
        assertEquals(2, run.errLines().size(), run.toString());
    }

    @Test
    void aSyntheticCountOfZeroExitsTwoNamingTheOptionAndValue() {
        CliRun run = run("produce", "--dataset", "x", "--synthetic", "0");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: --synthetic: 0 "), run.toString());
        assertEquals("", run.out());
    }

    @Test
    void aDatasetNameWithASpaceExitsTwoNamingTheOption() {
        CliRun run = run("produce", "--dataset", "bad name", "--synthetic", "5");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: --dataset: 'bad name' "), run.toString());
    }

    @Test
    void aMalformedTileSizeExitsTwoNamingTheOptionAndValue() throws IOException {
        Path sheet = dir.resolve("sheet.png");
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB), "png", sheet.toFile());

        CliRun run = run("produce", "--dataset", "x", "--sheet", sheet.toString(), "--tile", "3y4");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: --tile: '3y4' "), run.toString());
    }

    @Test
    void aMissingDirectoryExitsTwoNamingThePath() {
        Path missing = dir.resolve("no-such-folder");

        CliRun run = run("produce", "--dataset", "x", "--dir", missing.toString());

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: "), run.toString());
        assertTrue(run.errLines().get(0).contains(missing.toString()), run.toString());
    }

    @Test
    void producingToTheBrokerExitsZeroAndPrintsTheSummaryOnStdout(EmbeddedKafka kafka) {
        String dataset = unique("cli-ok");

        CliRun run = run("produce", "--dataset", dataset, "--synthetic", "50", "--classes", "3", "--size", "16",
                "--bootstrap", kafka.bootstrapServers(), "--quiet");

        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith("produced 50 records "), run.toString());
        assertTrue(run.out().contains("dataset " + dataset + "@1"), run.toString());
        assertEquals("", run.err());
    }

    @Test
    void imagesDirectlyInTheFolderAreSkippedWithAOneLineWarningAndTheRestProduced(EmbeddedKafka kafka)
            throws IOException {
        Path units = unitFolder();
        String dataset = unique("cli-stray");

        CliRun run = run("produce", "--dataset", dataset, "--dir", units.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--quiet");

        assertEquals(0, run.exit(), run.toString());
        assertEquals(List.of("warning: skipped 2 images lying directly in " + units + " outside a label folder "
                + "(map.png, title.png); --root-label NAME takes them as class NAME"), run.errLines());
        assertTrue(run.out().startsWith("produced 3 records "), run.toString());
    }

    @Test
    void aRootLabelProducesTheImagesInTheFolderAsOneMoreClass(EmbeddedKafka kafka) throws IOException {
        Path units = unitFolder();
        String dataset = unique("cli-rootlabel");

        CliRun run = run("produce", "--dataset", dataset, "--dir", units.toString(), "--root-label", "misc",
                "--bootstrap", kafka.bootstrapServers(), "--quiet");

        assertEquals(0, run.exit(), run.toString());
        assertEquals("", run.err());
        assertTrue(run.out().startsWith("produced 5 records "), run.toString());
        var manifest = new io.spritestream.catalog.DatasetCatalog(io.spritestream.kafka.KafkaSettings.of(
                kafka.bootstrapServers())).resolve(io.spritestream.catalog.DatasetRef.parse(dataset));
        assertEquals(List.of("archer", "knight", "misc"), manifest.classes());
        assertEquals(5, manifest.count());
    }

    @Test
    void aRootLabelWithoutADirIsAUsageError() {
        CliRun run = run("produce", "--dataset", "x", "--synthetic", "5", "--root-label", "misc");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: "), run.toString());
    }

    @Test
    void ifAbsentProducesTheFirstVersionAndThenNothingMore(EmbeddedKafka kafka) {
        String dataset = unique("cli-seed");
        String[] seed = {"produce", "--dataset", dataset, "--synthetic", "20", "--size", "16", "--if-absent",
                "--bootstrap", kafka.bootstrapServers(), "--quiet"};

        CliRun first = run(seed);
        CliRun second = run(seed);
        CliRun third = run(seed);

        assertEquals(0, first.exit(), first.toString());
        assertTrue(first.out().startsWith("produced 20 records "), first.toString());
        for (CliRun again : List.of(second, third)) {
            assertEquals(0, again.exit(), again.toString());
            assertEquals("dataset " + dataset + " already has a version (latest " + dataset + "@1, 20 records); "
                    + "nothing produced (--if-absent)", again.out().strip());
        }
        var versions = new io.spritestream.catalog.DatasetCatalog(io.spritestream.kafka.KafkaSettings.of(
                kafka.bootstrapServers())).list().stream().filter(m -> m.dataset().equals(dataset)).toList();
        assertEquals(1, versions.size(), versions.toString());
    }

    @Test
    void ifAbsentWithAppendIsAUsageError() {
        CliRun run = run("produce", "--dataset", "x", "--synthetic", "5", "--if-absent", "--append");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: --if-absent and --append exclude each other"),
                run.toString());
    }

    @Test
    void datasetsListsRecordsInNoVersionAndResumeFinishesTheRunThatLeftThem(EmbeddedKafka kafka) throws Exception {
        String dataset = unique("cli-unfinished");
        String topic = "sprites." + dataset;
        var settings = io.spritestream.kafka.KafkaSettings.of(kafka.bootstrapServers());
        List<io.spritestream.producer.source.Sprite> sprites = new java.util.ArrayList<>();
        new io.spritestream.producer.source.SyntheticSprites(30, 3, 16, 4).forEach(sprites::add);
        try (var admin = settings.newAdmin("test")) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 2, (short) 1))).all().get();
        }
        // What a produce killed after 12 records leaves: records on the topic, no version.
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(settings.producer("test"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (io.spritestream.producer.source.Sprite sprite : sprites.subList(0, 12)) {
                var record = new org.apache.kafka.clients.producer.ProducerRecord<String, byte[]>(topic, sprite.key(),
                        sprite.bytes());
                record.headers().add(io.spritestream.record.SpriteRecords.LABEL,
                        io.spritestream.record.SpriteRecords.utf8(sprite.label()));
                record.headers().add(io.spritestream.record.SpriteRecords.DATASET,
                        io.spritestream.record.SpriteRecords.utf8(dataset));
                producer.send(record);
            }
        }

        CliRun listed = run("datasets", "--bootstrap", kafka.bootstrapServers());
        CliRun resumed = run("produce", "--dataset", dataset, "--synthetic", "30", "--classes", "3", "--size", "16",
                "--seed", "4", "--resume", "--bootstrap", kafka.bootstrapServers(), "--quiet");
        CliRun after = run("datasets", "--bootstrap", kafka.bootstrapServers());

        assertTrue(listed.out().lines().anyMatch(l -> l.matches("\\s+" + java.util.regex.Pattern.quote(topic)
                + "\\s+12 records \\(no version names this topic\\)")), listed.toString());
        assertEquals(0, resumed.exit(), resumed.toString());
        assertEquals("resume: keeping the 12 records an unfinished run left on " + topic + "; sprites with their keys "
                + "(12) are not sent again", resumed.errLines().get(0));
        assertTrue(resumed.out().startsWith("produced 18 records "), resumed.toString());
        var manifest = new io.spritestream.catalog.DatasetCatalog(settings)
                .resolve(io.spritestream.catalog.DatasetRef.parse(dataset));
        assertEquals(30, manifest.count());
        assertEquals(30, manifest.rangeSize());
        assertFalse(after.out().lines().anyMatch(l -> l.matches("\\s+" + java.util.regex.Pattern.quote(topic)
                + "\\s+\\d+ records .*")), after.toString());
    }

    @Test
    void aLabelFolderWithANewlineIsRefusedInOneLineBeforeAnythingIsSent(EmbeddedKafka kafka) throws IOException {
        Path units = unitFolder();
        Path hostile = units.resolve("knight\nqueen/q1.png");
        java.nio.file.Files.createDirectories(hostile.getParent());
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB), "png", hostile.toFile());
        String dataset = unique("cli-newline");

        CliRun run = run("produce", "--dataset", dataset, "--dir", units.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--quiet");

        assertEquals(Cli.USAGE, run.exit(), run.toString());
        String reason = run.errLines().stream().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
        assertTrue(reason.contains("knight\\u000aqueen") && reason.contains("U+000A"), run.toString());
        try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers",
                kafka.bootstrapServers()))) {
            assertFalse(admin.listTopics().names().get().contains("sprites." + dataset), "nothing was sent");
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A game's unit folder: two classes in folders and two stray files directly in it. */
    @Test
    void aFolderWithANoteATextFileNamedPngAndACutPngIsProducedNamingAllThreeAtTheEnd(EmbeddedKafka kafka)
            throws IOException {
        Path pets = petFolderWithBadFiles(dir.resolve("pets"));
        String dataset = unique("cli-suspect");

        CliRun run = run("produce", "--dataset", dataset, "--dir", pets.toString(), "--bootstrap",
                kafka.bootstrapServers(), "--quiet");

        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().startsWith("produced 5 records "), run.toString());
        long cut = java.nio.file.Files.size(pets.resolve("dogs/cut.png"));
        assertEquals(List.of(
                "warning: skipped 1 file that is not an image (.png, .jpg, .jpeg, .bmp, .webp): cats/notes.txt",
                "warning: 2 suspect files sent (the loader dead-letters what it cannot decode): cats/fake.png "
                        + "(text, not a PNG), dogs/cut.png (a PNG cut short: no IEND after " + cut + " bytes)"),
                run.errLines());
        var manifest = new io.spritestream.catalog.DatasetCatalog(io.spritestream.kafka.KafkaSettings.of(
                kafka.bootstrapServers())).resolve(io.spritestream.catalog.DatasetRef.parse(dataset));
        assertEquals(5, manifest.count(), "the three good images and the two suspect ones");
    }

    /** cats/: two good PNGs, notes.txt, fake.png (text); dogs/: one good PNG and cut.png (a PNG without its end). */
    static Path petFolderWithBadFiles(Path pets) throws IOException {
        for (String name : List.of("cats/c1.png", "cats/c2.png", "dogs/d1.png", "dogs/cut.png")) {
            Path file = pets.resolve(name);
            java.nio.file.Files.createDirectories(file.getParent());
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB), "png", file.toFile());
        }
        Path cut = pets.resolve("dogs/cut.png");
        byte[] whole = java.nio.file.Files.readAllBytes(cut);
        java.nio.file.Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
        java.nio.file.Files.writeString(pets.resolve("cats/notes.txt"), "cats from the 2019 set\n");
        java.nio.file.Files.writeString(pets.resolve("cats/fake.png"), "not an image, just a name\n");
        return pets;
    }

    private Path unitFolder() throws IOException {
        Path units = dir.resolve("units");
        for (String name : List.of("archer/a1.png", "archer/a2.png", "knight/k1.png", "map.png", "title.png")) {
            Path file = units.resolve(name);
            java.nio.file.Files.createDirectories(file.getParent());
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB), "png", file.toFile());
        }
        return units;
    }

    @Test
    void theDatasetsCommandListsAProducedDataset(EmbeddedKafka kafka) {
        String dataset = unique("cli-listed");
        assertEquals(0, run("produce", "--dataset", dataset, "--synthetic", "20", "--classes", "2", "--size", "16",
                "--bootstrap", kafka.bootstrapServers(), "--quiet").exit());

        CliRun run = run("datasets", "--bootstrap", kafka.bootstrapServers());

        assertEquals(0, run.exit(), run.toString());
        String line = run.out().lines().filter(l -> l.startsWith(dataset + "@1 ")).findFirst().orElse(null);
        assertTrue(line != null, "no line for " + dataset + "@1: " + run);
        assertEquals(List.of(dataset + "@1", "20", "2", "sprites." + dataset),
                List.of(line.split("\\s+")).subList(0, 4), line);
    }

    @Test
    void theDatasetsCommandPrintsNamesFromTheCatalogWithTheirControlCharactersEscaped(EmbeddedKafka kafka)
            throws Exception {
        assertEquals(0, run("produce", "--dataset", unique("cli-seed"), "--synthetic", "4", "--bootstrap",
                kafka.bootstrapServers(), "--quiet").exit()); // the catalog exists
        // Another client writes a version whose names carry terminal escapes (retitle, recolour).
        String hostile = "evil\u001b]0;owned\u0007\u001b[31mred";
        String json = "{\"dataset\":\"" + hostile.replace("\u001b", "\\u001b").replace("\u0007", "\\u0007")
                + "\",\"version\":1,\"topic\":\"sprites.x\\u001b[2J\",\"partitions\":{\"0\":[0,1]},\"count\":1,"
                + "\"classes\":[\"a\"],\"created\":\"2026-01-01T00:00:00Z\"}";
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(java.util.Map.of(
                "bootstrap.servers", kafka.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("spritestream.catalog", hostile + "@1",
                    json)).get();
        }

        CliRun run = run("datasets", "--bootstrap", kafka.bootstrapServers());

        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().chars().noneMatch(c -> c < 0x20 && c != '\n'), "no control character printed: " + run.out());
        assertTrue(run.out().contains("evil\\u001b]0;owned\\u0007\\u001b[31mred@1"), run.out());
        assertTrue(run.out().contains("sprites.x\\u001b[2J"), run.out());
    }

    @Test
    void anUnreachableBrokerExitsOneWithOneErrorLineAndNoStackTrace() throws IOException {
        String address = "127.0.0.1:" + closedPort();

        CliRun run = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("produce", "--dataset", unique("cli-down"),
                "--synthetic", "5", "--bootstrap", address, "--broker-timeout", "2", "--quiet"));

        assertEquals(Cli.FAILURE, run.exit(), run.toString());
        assertEquals(1, run.errLines().size(), run.toString());
        assertTrue(run.errLines().get(0).startsWith("error: cannot reach Kafka at " + address), run.toString());
        assertFalse(run.err().contains("\tat "), run.toString());
        assertEquals("", run.out());
    }

    private static String unique(String prefix) {
        return prefix + "-" + Long.toHexString(System.nanoTime());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}

package io.spritestream.loader.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.spritestream.cli.Cli;
import io.spritestream.loader.cli.LoaderMain;
import io.spritestream.loader.testing.PrometheusProcess;
import io.spritestream.loader.testing.RepoFiles;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.producer.cli.ProducerMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * docker/: what can be checked without a Docker engine. The compose file names every service and
 * mounts files that exist, the commands it gives the images parse, Prometheus scrapes the ports
 * they serve, and {@code promtool} accepts Prometheus's configuration.
 */
class DockerStackTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode compose() throws Exception {
        return new YAMLMapper().readTree(RepoFiles.resolve("docker/compose.yaml").toFile());
    }

    private static List<String> command(JsonNode service) {
        return JSON.convertValue(service.path("command"), new TypeReference<List<String>>() { });
    }

    private static String after(List<String> args, String option) {
        return args.get(args.indexOf(option) + 1);
    }

    @Test
    void prometheusConfigOfTheStackPassesPromtool() throws Exception {
        Path promtool = PrometheusProcess.require("promtool");
        Process check = new ProcessBuilder(promtool.toString(), "check", "config",
                RepoFiles.resolve("docker/prometheus.yml").toString()).redirectErrorStream(true).start();
        String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(60, TimeUnit.SECONDS), "promtool finished");
        assertEquals(0, check.exitValue(), output);
        assertTrue(output.contains("SUCCESS"), output);
    }

    @Test
    void composeRunsKafkaInKraftModeTheProducerTheLoaderPrometheusAndGrafana() throws Exception {
        JsonNode services = compose().path("services");
        for (String name : List.of("kafka", "seed", "producer", "loader", "prometheus", "grafana")) {
            assertTrue(services.has(name), name);
        }
        JsonNode kafka = services.path("kafka");
        assertTrue(kafka.path("image").asText().startsWith("apache/kafka:"), "the official image");
        assertEquals("broker,controller", kafka.path("environment").path("KAFKA_PROCESS_ROLES").asText(), "KRaft");
        assertTrue(services.path("prometheus").path("image").asText().startsWith("prom/prometheus:"));
        assertTrue(services.path("grafana").path("image").asText().startsWith("grafana/grafana:"));
    }

    @Test
    void producerAndLoaderAreBuiltByMultiStageMavenDockerfilesOfThisRepository() throws Exception {
        JsonNode services = compose().path("services");
        for (String name : List.of("seed", "producer", "loader")) {
            JsonNode build = services.path(name).path("build");
            Path context = RepoFiles.resolve("docker").resolve(build.path("context").asText()).normalize();
            assertEquals(RepoFiles.root(), context, name + " builds from the repository root");
            Path dockerfile = context.resolve(build.path("dockerfile").asText());
            assertTrue(Files.isRegularFile(dockerfile), dockerfile.toString());
            List<String> from = Files.readAllLines(dockerfile).stream().filter(l -> l.startsWith("FROM ")).toList();
            assertEquals(2, from.size(), dockerfile + ": a build stage and a runtime stage");
            assertTrue(from.get(0).contains("maven") && from.get(0).endsWith(" AS build"), from.get(0));
            String text = Files.readString(dockerfile);
            assertTrue(text.contains("mvn ") && text.contains(" package"), dockerfile + " builds with Maven");
            List<String> copied = new ArrayList<>();
            for (String line : Files.readAllLines(dockerfile)) {
                if (line.startsWith("COPY ") && !line.startsWith("COPY --from")) {
                    String source = line.split("\\s+")[1];
                    assertTrue(Files.exists(context.resolve(source)), dockerfile + " copies " + source);
                    copied.add(source);
                }
            }
            // Maven reads every module of the root pom, even for -pl one module: each must be there.
            for (String module : modules()) {
                assertTrue(copied.contains(module + "/pom.xml"), dockerfile + " copies " + module + "/pom.xml");
            }
        }
    }

    /** The modules the root pom lists, e.g. {@code producer}, {@code loader/broker}. */
    private static List<String> modules() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<module>([^<]+)</module>")
                .matcher(Files.readString(RepoFiles.resolve("pom.xml")));
        List<String> modules = new ArrayList<>();
        while (m.find()) {
            modules.add(m.group(1).strip());
        }
        assertTrue(modules.contains("loader"), modules.toString());
        return modules;
    }

    @Test
    void theCommandsGivenToTheImagesParseAndServeMetricsOnAllInterfacesOfTheirContainer() throws Exception {
        JsonNode services = compose().path("services");
        List<String> loader = command(services.path("loader"));
        List<String> producer = command(services.path("producer"));
        List<String> seed = command(services.path("seed"));
        Cli.commandLine(new LoaderMain()).parseArgs(loader.toArray(String[]::new));
        Cli.commandLine(new ProducerMain()).parseArgs(producer.toArray(String[]::new));
        Cli.commandLine(new ProducerMain()).parseArgs(seed.toArray(String[]::new));
        assertEquals("0.0.0.0", after(loader, "--metrics-bind"), "Prometheus scrapes from another container");
        assertEquals("0.0.0.0", after(producer, "--metrics-bind"));
        assertEquals(after(seed, "--dataset"), after(loader, "--dataset"), "the loader reads what the seed wrote");
        assertEquals("service_completed_successfully",
                services.path("loader").path("depends_on").path("seed").path("condition").asText());
        assertEquals("train", loader.get(0), "a trainer, so the first panel (is the GPU waiting?) means what it says");
        assertEquals("on-failure", services.path("producer").path("restart").asText(),
                "a live stream that ended is not started over as a new version");
    }

    @Test
    void prometheusScrapesTheLoaderAndTheProducerOnThePortsTheyServe() throws Exception {
        JsonNode services = compose().path("services");
        JsonNode config = new YAMLMapper().readTree(RepoFiles.resolve("docker/prometheus.yml").toFile());
        List<String> targets = new ArrayList<>();
        for (JsonNode job : config.path("scrape_configs")) {
            for (JsonNode staticConfig : job.path("static_configs")) {
                staticConfig.path("targets").forEach(t -> targets.add(t.asText()));
            }
        }
        assertTrue(targets.contains("loader:" + after(command(services.path("loader")), "--metrics-port")), targets.toString());
        assertTrue(targets.contains("producer:" + after(command(services.path("producer")), "--metrics-port")),
                targets.toString());
        List<String> volumes = JSON.convertValue(services.path("prometheus").path("volumes"),
                new TypeReference<List<String>>() { });
        assertTrue(volumes.contains("./prometheus.yml:/etc/prometheus/prometheus.yml:ro"), volumes.toString());
    }

    @Test
    void everyServiceThatKeepsRunningHasAHealthcheckAndEachWaitsForWhatItNeeds() throws Exception {
        JsonNode services = compose().path("services");
        List<String> checked = new ArrayList<>();
        services.fields().forEachRemaining(e -> {
            boolean oneShot = e.getValue().path("restart").asText().equals("no");
            if (!oneShot) {
                List<String> test = JSON.convertValue(e.getValue().path("healthcheck").path("test"),
                        new TypeReference<List<String>>() { });
                assertTrue(test != null && test.size() >= 2 && test.get(0).startsWith("CMD"),
                        e.getKey() + " has a healthcheck: " + e.getValue().path("healthcheck"));
                checked.add(e.getKey());
            }
            e.getValue().path("depends_on").fields().forEachRemaining(d -> {
                String condition = d.getValue().path("condition").asText();
                assertFalse(condition.isEmpty(), e.getKey() + " says what it waits for of " + d.getKey());
                if (condition.equals("service_healthy")) {
                    assertTrue(services.path(d.getKey()).has("healthcheck"), d.getKey() + " can become healthy");
                }
                if (condition.equals("service_completed_successfully")) {
                    assertEquals("no", services.path(d.getKey()).path("restart").asText(), d.getKey() + " ends");
                }
            });
        });
        assertEquals(List.of("kafka", "producer", "loader", "prometheus", "grafana"), checked);
        for (String client : List.of("seed", "producer", "loader")) {
            assertEquals("service_healthy", services.path(client).path("depends_on").path("kafka").path("condition")
                    .asText(), client + " waits for a healthy Kafka");
        }
        assertEquals("service_healthy", services.path("grafana").path("depends_on").path("prometheus")
                .path("condition").asText());
    }

    @Test
    void theMetricsHealthcheckPassesAgainstARealMetricsEndpointAndFailsWithoutOne() throws Exception {
        JsonNode services = compose().path("services");
        for (String name : List.of("loader", "producer")) {
            List<String> test = JSON.convertValue(services.path(name).path("healthcheck").path("test"),
                    new TypeReference<List<String>>() { });
            String port = after(command(services.path(name)), "--metrics-port");
            assertEquals(List.of("CMD", "bash", "-c"), test.subList(0, 3), name);
            assertTrue(test.get(3).contains("/dev/tcp/127.0.0.1/" + port + " "), name + " probes its metrics port");
            int free;
            try (MetricsServer server = MetricsServer.start(0)) {
                free = server.port();
                assertEquals(0, bash(test.get(3).replace("/" + port + " ", "/" + free + " ")),
                        name + "'s healthcheck against a live endpoint");
            }
            assertTrue(bash(test.get(3).replace("/" + port + " ", "/" + free + " ")) != 0,
                    name + "'s healthcheck once the endpoint is gone");
        }
    }

    private static int bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the healthcheck finished: " + script);
        return p.exitValue();
    }

    @Test
    void kafkaDataPrometheusDataAndTheLoadersCacheLiveInNamedVolumes() throws Exception {
        JsonNode compose = compose();
        JsonNode services = compose.path("services");
        String logDirs = services.path("kafka").path("environment").path("KAFKA_LOG_DIRS").asText();
        assertEquals("kafka-data:" + logDirs, volumes(services.path("kafka")).get(0), "Kafka's log dirs persist");
        assertTrue(volumes(services.path("prometheus")).contains("prometheus-data:/prometheus"));

        String dockerfile = Files.readString(RepoFiles.resolve("docker/loader.Dockerfile"));
        java.util.regex.Matcher env = java.util.regex.Pattern
                .compile("ENV SPRITESTREAM_CACHE=(\\S+) DJL_CACHE_DIR=(\\S+)").matcher(dockerfile);
        assertTrue(env.find(), "the loader image says where the natives unpack");
        assertTrue(env.group(2).startsWith(env.group(1) + "/"), "DJL's cache lies in the same folder");
        assertTrue(volumes(services.path("loader")).contains("loader-cache:" + env.group(1)),
                volumes(services.path("loader")).toString());
        for (String volume : List.of("kafka-data", "prometheus-data", "loader-cache")) {
            assertTrue(compose.path("volumes").has(volume), volume + " is declared");
        }
        assertFalse(services.path("kafka").path("environment").path("CLUSTER_ID").asText().isBlank(),
                "a fixed cluster id: the kept volume is the same cluster on the next 'up'");
    }

    private static List<String> volumes(JsonNode service) {
        return JSON.convertValue(service.path("volumes"), new TypeReference<List<String>>() { });
    }

    @Test
    void everyImageHasAnExactVersionTag() throws Exception {
        JsonNode services = compose().path("services");
        String projectVersion = projectVersion();
        java.util.regex.Pattern exact = java.util.regex.Pattern.compile("[^:]+:v?\\d+\\.\\d+\\.\\d+[-_.A-Za-z0-9]*");
        List<String> images = new ArrayList<>();
        services.fields().forEachRemaining(e -> images.add(e.getValue().path("image").asText()));
        for (String dockerfile : List.of("docker/loader.Dockerfile", "docker/producer.Dockerfile")) {
            for (String line : Files.readAllLines(RepoFiles.resolve(dockerfile))) {
                if (line.startsWith("FROM ")) {
                    images.add(line.split("\\s+")[1]);
                }
            }
        }
        for (String image : images) {
            assertTrue(exact.matcher(image).matches(), image + " names an exact version");
        }
        for (String own : List.of("seed", "producer", "loader")) {
            assertTrue(services.path(own).path("image").asText().endsWith(":" + projectVersion),
                    own + "'s image is tagged with the project's version " + projectVersion);
        }
    }

    private static String projectVersion() throws Exception {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<artifactId>spritestream-parent</artifactId>\\s*"
                + "<version>([^<]+)</version>").matcher(Files.readString(RepoFiles.resolve("pom.xml")));
        assertTrue(m.find(), "the root pom's version");
        return m.group(1);
    }

    @Test
    void theSeedProducesOnlyWhenTheDatasetIsAbsentSoAnotherUpAddsNoVersion() throws Exception {
        List<String> seed = command(compose().path("services").path("seed"));
        assertTrue(seed.contains("--if-absent"), seed.toString());
        assertFalse(seed.contains("--append"), seed.toString());
    }

    @Test
    void theLoaderRunsAsLinuxAmd64TheArchitectureOfItsBundledNatives() throws Exception {
        JsonNode services = compose().path("services");
        assertEquals("linux/amd64", services.path("loader").path("platform").asText());
        String loaderPom = Files.readString(RepoFiles.resolve("loader/pom.xml"))
                + Files.readString(RepoFiles.resolve("pom.xml"));
        assertTrue(loaderPom.contains("linux-x86_64"), "the PyTorch native library the loader bundles is x86-64");
        assertTrue(services.path("producer").path("platform").isMissingNode(), "the producer is pure Java: any platform");
    }
}

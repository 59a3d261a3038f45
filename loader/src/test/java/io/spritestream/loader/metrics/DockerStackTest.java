package io.spritestream.loader.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.spritestream.cli.Cli;
import io.spritestream.loader.cli.LoaderMain;
import io.spritestream.loader.testing.PrometheusProcess;
import io.spritestream.loader.testing.RepoFiles;
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
}

package io.spritestream.loader.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spritestream.loader.testing.PrometheusText;
import io.spritestream.loader.testing.RepoFiles;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.producer.metrics.ProducerMetrics;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana files, checked without Grafana: every panel queries the provisioned data source, and
 * every metric a query names is one that spritestream serves (the Prometheus test evaluates them).
 */
class GrafanaDashboardTest {

    private static final Pattern METRIC = Pattern.compile("\\b((?:spritestream|jvm|kafka)_[a-z0-9_]+)");

    private static JsonNode dashboard() throws Exception {
        return new ObjectMapper().readTree(RepoFiles.resolve("grafana/dashboards/spritestream.json").toFile());
    }

    private static List<DashboardQueriesTest.Query> queries() throws Exception {
        return DashboardQueriesTest.dashboardQueries();
    }

    @Test
    void everyPanelQueriesTheProvisionedPrometheusDataSource() throws Exception {
        JsonNode datasources = new YAMLMapper().readTree(
                RepoFiles.resolve("grafana/provisioning/datasources/prometheus.yaml").toFile());
        JsonNode prometheus = datasources.path("datasources").get(0);
        String uid = prometheus.path("uid").asText();
        assertEquals("prometheus", prometheus.path("type").asText());
        assertEquals("http://prometheus:9090", prometheus.path("url").asText(), "the compose service");

        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard().path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "unique panel id " + panel.path("id"));
            assertTrue(panel.has("gridPos"), panel.path("title").asText());
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals(uid, panel.path("datasource").path("uid").asText(), panel.path("title").asText());
            assertFalse(panel.path("description").asText().isBlank(), "says what it means: " + panel.path("title"));
            assertTrue(panel.path("targets").size() > 0, panel.path("title").asText());
            for (JsonNode target : panel.path("targets")) {
                assertEquals(uid, target.path("datasource").path("uid").asText(), panel.path("title").asText());
                assertFalse(target.path("expr").asText().isBlank(), panel.path("title").asText());
            }
        }
    }

    @Test
    void theDashboardProviderLoadsTheFolderComposeMountsTheDashboardOn() throws Exception {
        JsonNode providers = new YAMLMapper().readTree(
                RepoFiles.resolve("grafana/provisioning/dashboards/spritestream.yaml").toFile());
        String path = providers.path("providers").get(0).path("options").path("path").asText();
        JsonNode compose = new YAMLMapper().readTree(RepoFiles.resolve("docker/compose.yaml").toFile());
        List<String> volumes = new ObjectMapper().convertValue(compose.path("services").path("grafana").path("volumes"),
                new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
        assertTrue(volumes.contains("../grafana/dashboards:" + path + ":ro"), volumes.toString());
        assertTrue(volumes.contains("../grafana/provisioning:/etc/grafana/provisioning:ro"), volumes.toString());
    }

    @Test
    void everySpritestreamMetricTheDashboardNamesIsServed() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new LoaderMetrics(registry);
        new ProducerMetrics(registry);
        Set<String> served = new HashSet<>();
        PrometheusText.parse(registry.scrape()).samples().forEach(s -> served.add(s.name()));

        Set<String> named = new TreeSet<>();
        for (DashboardQueriesTest.Query q : queries()) {
            Matcher m = METRIC.matcher(q.expr());
            while (m.find()) {
                named.add(m.group(1));
            }
        }
        for (String name : named) {
            if (name.startsWith("spritestream_")) {
                assertTrue(served.contains(name), name + " is not served; served: " + new TreeSet<>(served));
            }
        }
        for (String required : List.of("spritestream_samples_delivered_total", "spritestream_bytes_read_total",
                "spritestream_trainer_wait_seconds_sum", "spritestream_decode_seconds_bucket",
                "spritestream_batch_assembly_seconds_bucket", "spritestream_device_copy_seconds_bucket",
                "spritestream_queue_depth", "spritestream_pool_slabs", "kafka_consumer_fetch_manager_records_lag",
                "spritestream_dead_lettered_total", "spritestream_epoch_progress_ratio",
                "spritestream_end_to_end_latency_seconds_bucket", "jvm_buffer_memory_used_bytes", "jvm_gc_overhead",
                "spritestream_cache_hits_total", "spritestream_cache_misses_total", "spritestream_cache_bytes")) {
            assertTrue(named.contains(required), "a panel shows " + required);
        }
    }

    @Test
    void jvmMetricsTheDashboardNamesAreServedByTheEndpoint() throws Exception {
        Set<String> served = new HashSet<>();
        try (MetricsServer server = MetricsServer.start(0)) {
            PrometheusText.parse(server.registry().scrape()).samples().forEach(s -> served.add(s.name()));
        }
        for (DashboardQueriesTest.Query q : queries()) {
            Matcher m = METRIC.matcher(q.expr());
            while (m.find()) {
                String name = m.group(1);
                if (name.startsWith("jvm_") && !name.startsWith("jvm_gc_pause")) {
                    assertTrue(served.contains(name), name + " is not served");
                }
            }
        }
    }

    @Test
    void variablesPickTheJobAndTheInstanceAndEveryMetricOfEveryQueryHonoursThem() throws Exception {
        JsonNode dashboard = dashboard();
        JsonNode variables = dashboard.path("templating").path("list");
        String uid = dashboard.path("panels").get(1).path("datasource").path("uid").asText();
        assertEquals(2, variables.size(), variables.toString());
        JsonNode job = variables.get(0);
        JsonNode instance = variables.get(1);
        assertEquals("job", job.path("name").asText());
        assertEquals("instance", instance.path("name").asText());
        for (JsonNode v : variables) {
            assertEquals("query", v.path("type").asText(), v.toString());
            assertEquals(uid, v.path("datasource").path("uid").asText(), "the provisioned Prometheus: " + v);
            assertTrue(v.path("multi").asBoolean() && v.path("includeAll").asBoolean(), "any, several or all: " + v);
        }
        assertTrue(job.path("query").path("query").asText().startsWith("label_values(up{job=~\"spritestream"),
                job.toString());
        assertEquals("label_values(up{job=~\"$job\"}, instance)", instance.path("query").path("query").asText(),
                "the instances of the jobs picked");

        Pattern selector = Pattern.compile("\\b((?:spritestream|jvm|kafka)_[a-z0-9_]+)(\\{[^}]*\\})?");
        int metrics = 0;
        for (DashboardQueriesTest.Query q : queries()) {
            Matcher m = selector.matcher(q.expr());
            while (m.find()) {
                metrics++;
                String labels = m.group(2) == null ? "" : m.group(2);
                assertTrue(labels.contains("job=~\"$job\"") && labels.contains("instance=~\"$instance\""),
                        q.panel() + ": " + m.group(1) + " is not narrowed to the picked job and instance in " + q.expr());
            }
        }
        assertTrue(metrics >= 38, "every metric counted: " + metrics);
    }
}

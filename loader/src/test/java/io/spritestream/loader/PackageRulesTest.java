package io.spritestream.loader;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The loader's packages are layers whose dependencies point one way, and each outside library stays
 * in the layer that owns it (README, "How it works"); across the modules, the packages both jars
 * share never reach back into the producer or the loader, and the producer never into the loader
 * (README, "Layout"). These rules read the compiled classes, so the layering cannot rot unseen.
 */
class PackageRulesTest {

    private static final String ROOT = "io.spritestream";
    private static final String LOADER = ROOT + ".loader";
    private static final String PRODUCER = ROOT + ".producer";
    private static final String BROKER = ROOT + ".broker";
    /** The producer module's packages that both jars use. */
    private static final String[] SHARED = {ROOT + ".config..", ROOT + ".kafka..", ROOT + ".record..",
        ROOT + ".catalog..", ROOT + ".cli..", ROOT + ".metrics..", ROOT + ".files.."};
    /** Test jars of other modules (the broker's {@code SharedKafka}, ...) are on this classpath too. */
    private static final ImportOption DO_NOT_INCLUDE_TEST_JARS =
            location -> !location.matches(Pattern.compile(".*-tests\\.jar!/.*"));

    private static JavaClasses classes;
    /** The main classes of every module: this test's classpath holds the producer's and the broker's. */
    private static JavaClasses everyModule;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(LOADER);
        everyModule = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(DO_NOT_INCLUDE_TEST_JARS)
                .importPackages(ROOT);
    }

    @Test
    void theModuleRulesSeeEveryModulesMainClassesAndNoTests() {
        for (String pkg : new String[] {ROOT + ".record", ROOT + ".cli", ROOT + ".metrics", PRODUCER,
            PRODUCER + ".source", BROKER, LOADER + ".pipeline"}) {
            assertTrue(everyModule.containPackage(pkg), pkg + " not imported");
        }
        assertFalse(everyModule.contain(BROKER + ".SharedKafka"), "a test class was imported");
        assertFalse(everyModule.contain(LOADER + ".PackageRulesTest"), "a test class was imported");
    }

    @Test
    void sharedPackagesNeverUseTheProducersOrTheLoadersCode() {
        noClasses().that().resideInAnyPackage(SHARED)
                .should().dependOnClassesThat().resideInAnyPackage(PRODUCER + "..", LOADER + "..", BROKER + "..")
                .because("both jars use them, and the producer's jar carries no loader or broker code")
                .check(everyModule);
    }

    @Test
    void theProducerNeverUsesTheLoadersCode() {
        noClasses().that().resideInAPackage(PRODUCER + "..")
                .should().dependOnClassesThat().resideInAnyPackage(LOADER + "..", BROKER + "..")
                .because("the producer's jar carries no loader or broker code")
                .check(everyModule);
    }

    @Test
    void theBrokerUsesNoOtherSpritestreamCode() {
        noClasses().that().resideInAPackage(BROKER + "..")
                .should().dependOnClassesThat().resideInAnyPackage(SHARED)
                .orShould().dependOnClassesThat().resideInAnyPackage(PRODUCER + "..", LOADER + "..")
                .because("the tests of every module start it, the producer's included")
                .check(everyModule);
    }

    @Test
    void noTwoTopLevelPackagesDependOnEachOther() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(everyModule);
    }

    @Test
    void eachLayerUsesOnlyTheLayersBelowIt() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("memory").definedBy(LOADER + ".memory..")
                .layer("decode").definedBy(LOADER + ".decode..")
                .layer("tensor").definedBy(LOADER + ".tensor..")
                .layer("cache").definedBy(LOADER + ".cache..")
                .layer("augment").definedBy(LOADER + ".augment..")
                .layer("batch").definedBy(LOADER + ".batch..")
                .layer("export").definedBy(LOADER + ".export..")
                .layer("replay").definedBy(LOADER + ".replay..")
                .layer("ingest").definedBy(LOADER + ".ingest..")
                .layer("pipeline").definedBy(LOADER + ".pipeline..")
                .layer("metrics").definedBy(LOADER + ".metrics..")
                .layer("train").definedBy(LOADER + ".train..")
                .layer("bench").definedBy(LOADER + ".bench..")
                .layer("feed").definedBy(LOADER + ".feed..")
                .layer("cli").definedBy(LOADER + ".cli..")
                .whereLayer("memory").mayNotAccessAnyLayer()
                .whereLayer("decode").mayOnlyAccessLayers("memory")
                .whereLayer("tensor").mayOnlyAccessLayers("memory")
                .whereLayer("cache").mayOnlyAccessLayers("decode")
                .whereLayer("augment").mayOnlyAccessLayers("decode", "replay")
                .whereLayer("batch").mayOnlyAccessLayers("memory", "decode", "tensor", "cache")
                .whereLayer("export").mayOnlyAccessLayers("memory", "decode", "tensor", "batch")
                .whereLayer("replay").mayNotAccessAnyLayer()
                .whereLayer("ingest").mayOnlyAccessLayers("replay", "cache")
                .whereLayer("pipeline").mayOnlyAccessLayers("memory", "decode", "tensor", "cache", "augment", "batch",
                        "export", "replay", "ingest")
                .whereLayer("metrics").mayOnlyAccessLayers("memory", "decode", "cache", "ingest", "pipeline")
                .whereLayer("train").mayOnlyAccessLayers("memory", "decode", "tensor", "augment", "batch", "replay",
                        "ingest", "pipeline")
                .whereLayer("bench").mayOnlyAccessLayers("memory", "decode", "tensor", "cache", "augment", "batch",
                        "replay", "ingest", "pipeline")
                .whereLayer("feed").mayOnlyAccessLayers("memory", "decode", "batch", "export", "replay", "pipeline")
                .whereLayer("cli").mayNotBeAccessedByAnyLayer()
                .check(classes);
    }

    @Test
    void noTwoPackagesDependOnEachOther() {
        slices().matching(LOADER + ".(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void kafkaStaysOnTheIngestSideAndInTheBinderOfItsClientMetrics() {
        noClasses().that().resideOutsideOfPackages(LOADER + ".ingest..", LOADER + ".metrics..")
                .should().dependOnClassesThat().resideInAPackage("org.apache.kafka..")
                .because("the pipeline sees records as RecordView and the consumer only through ClientObserver")
                .check(classes);
    }

    @Test
    void openCvStaysInDecodeAugmentAndTheBenchmarksCeiling() {
        noClasses().that().resideOutsideOfPackages(LOADER + ".decode..", LOADER + ".augment..", LOADER + ".bench..")
                .should().dependOnClassesThat().resideInAPackage("org.opencv..")
                .check(classes);
    }

    @Test
    void djlStaysAboveTheMemoryDecodeAndKafkaLayers() {
        noClasses().that().resideInAnyPackage(LOADER + ".memory..", LOADER + ".decode..", LOADER + ".replay..",
                        LOADER + ".cache..", LOADER + ".ingest..", LOADER + ".export..", LOADER + ".metrics..",
                        LOADER + ".feed..", LOADER + ".augment..")
                .should().dependOnClassesThat().resideInAPackage("ai.djl..")
                .check(classes);
    }

    @Test
    void micrometerIsImportedByTheMetricsPackageAlone() {
        noClasses().that().resideOutsideOfPackage(LOADER + ".metrics..")
                .should().dependOnClassesThat().resideInAPackage("io.micrometer..")
                .check(classes);
    }

    @Test
    void theCommandLineIsTheOnlyUserOfPicocli() {
        noClasses().that().resideOutsideOfPackage(LOADER + ".cli..")
                .should().dependOnClassesThat().resideInAnyPackage("picocli..", "io.spritestream.cli..")
                .check(classes);
    }
}

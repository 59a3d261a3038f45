package io.spritestream.loader.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a run says when its validation pass had no sample (the end-to-end empty split: LoaderCliTest). */
class NoValidationSamplesTest {

    @Test
    void aSideOfDeadLettersOnlyNamesTheirCountAndReasons() {
        PassStats pass = new PassStats(0, 0, 0, 0, 1, Map.of("unsupported", 1L, "undecodable", 2L));

        assertEquals("the validation side's 3 records are all dead letters (undecodable 2, unsupported 1)",
                SpriteTrainer.whyNoValidationSamples(pass, 0.1, 40));
    }

    @Test
    void aSideThatHeldNoKeyOutNamesTheFractionAndTheRecords() {
        PassStats pass = new PassStats(0, 0, 0, 0, 1, Map.of());

        assertEquals("the validation side of the split is empty: --validation-fraction 0.1 of 8 records held out none",
                SpriteTrainer.whyNoValidationSamples(pass, 0.1, 8));
    }
}

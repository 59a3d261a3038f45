package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The pipeline's threads: one shape, one error path, and a stop that tells the truth. */
class StagesTest {

    @Test
    void aStageThatIgnoresItsInterruptIsReportedByNameInsteadOfBeingTakenForStopped() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        Stages stages = new Stages();
        stages.add("spritestream-stubborn", () -> {
            running.countDown();
            while (release.getCount() > 0) {
                try {
                    release.await();
                } catch (InterruptedException ignored) {
                    // a stage that does not stop when asked: what close() must not free memory under
                }
            }
        });
        stages.add("spritestream-polite", () -> Thread.sleep(Long.MAX_VALUE));
        stages.startAll();
        assertTrue(running.await(10, TimeUnit.SECONDS));

        List<String> stillRunning = stages.stopAll(Duration.ofMillis(200));

        assertEquals(List.of("spritestream-stubborn"), stillRunning, "only the stage still running is named");
        assertTrue(stages.whereNow(stillRunning).matches("spritestream-stubborn \\(at .*CountDownLatch\\.await:\\d+.*\\)"),
                stages.whereNow(stillRunning));
        release.countDown();
        assertEquals(List.of(), stages.stopAll(Duration.ofSeconds(10)), "once it returns, it is stopped");
    }

    @Test
    void everyStagesThreadRunsTheEndHookAsItsLastActHoweverItEnds() throws Exception {
        java.util.Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Stages stages = new Stages(() -> ended.add(Thread.currentThread().getName()));
        Stage done = stages.add("spritestream-done", () -> { });
        Stage failing = stages.add("spritestream-failing", () -> {
            throw new IllegalStateException("boom");
        });
        Stage stopped = stages.add("spritestream-stopped", () -> Thread.sleep(Long.MAX_VALUE));
        stages.startAll();
        assertTrue(done.join(Duration.ofSeconds(10)) && failing.join(Duration.ofSeconds(10)));
        assertEquals(List.of(), stages.stopAll(Duration.ofSeconds(10)));

        assertEquals(java.util.Set.of("spritestream-done", "spritestream-failing", "spritestream-stopped"), ended,
                "the hook ran on each stage's own thread");
        assertFalse(stopped.isAlive());
    }

    @Test
    void theFirstFailureOfAStageIsRethrownOnTheConsumersThread() throws Exception {
        Stages stages = new Stages();
        IllegalStateException boom = new IllegalStateException("decoder died");
        Stage failing = stages.add("spritestream-failing", () -> {
            throw boom;
        });
        stages.startAll();
        assertTrue(failing.join(Duration.ofSeconds(10)));

        IllegalStateException thrown = assertThrows(IllegalStateException.class, stages::rethrowFailure);
        assertSame(boom, thrown);
    }

    @Test
    void whatAStageThrowsWhileThePipelineStopsIsNotAFailure() throws Exception {
        Stages stages = new Stages();
        CountDownLatch stopping = new CountDownLatch(1);
        Stage late = stages.add("spritestream-late", () -> {
            stopping.await();
            throw new IllegalStateException("consumer closed under me");
        });
        stages.startAll();
        stages.stopping();
        stopping.countDown();
        assertTrue(late.join(Duration.ofSeconds(10)));

        stages.rethrowFailure(); // nothing to throw
    }

    @Test
    void aCheckedFailureIsWrappedWithItsMessageAndAnErrorIsThrownAsItIs() {
        Exception checked = new java.io.IOException("disk full");
        RuntimeException wrapped = Stages.unchecked(checked);
        assertEquals("disk full", wrapped.getMessage());
        assertSame(checked, wrapped.getCause());
        Error error = new AssertionError("bug");
        assertSame(error, assertThrows(AssertionError.class, () -> Stages.unchecked(error)));
    }
}

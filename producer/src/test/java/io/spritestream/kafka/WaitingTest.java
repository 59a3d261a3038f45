package io.spritestream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WaitingTest {

    @Test
    void aCallThatTakesLongerThanTheFirstDelayIsSaidToWaitAndAgainAfterwards() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        CountDownLatch twice = new CountDownLatch(2);
        try (Waiting ignored = Waiting.start(line -> {
            said.add(line);
            twice.countDown();
        }, "waiting for Kafka at h:1: resolving demo", Duration.ofSeconds(30), Duration.ofMillis(50),
                Duration.ofMillis(50))) {
            assertTrue(twice.await(30, TimeUnit.SECONDS), "said twice: " + said);
        }
        assertTrue(said.get(0).matches("waiting for Kafka at h:1: resolving demo \\(no answer for \\d+ s; giving up "
                + "after 30 s\\)"), said.get(0));
    }

    @Test
    void aCallThatReturnsFirstSaysNothing() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        Waiting quick = Waiting.start(said::add, "quick", Duration.ofSeconds(30), Duration.ofMillis(200),
                Duration.ofMillis(200));
        quick.close();
        // A later watch on the same clock fires after the closed one would have: nothing came before it.
        CountDownLatch later = new CountDownLatch(1);
        try (Waiting sentinel = Waiting.start(line -> later.countDown(), "sentinel", Duration.ofSeconds(30),
                Duration.ofMillis(400), Duration.ofSeconds(10))) {
            assertTrue(later.await(30, TimeUnit.SECONDS));
        }
        assertEquals(List.of(), said);
    }

    @Test
    void onlyTheInnermostWatchOfAThreadSpeaks() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        CountDownLatch inner = new CountDownLatch(2);
        try (Waiting resolving = Waiting.start(said::add, "resolving", Duration.ofSeconds(30), Duration.ofMillis(50),
                Duration.ofMillis(50))) {
            try (Waiting connecting = Waiting.start(line -> {
                said.add(line);
                inner.countDown();
            }, "connecting", Duration.ofSeconds(5), Duration.ofMillis(50), Duration.ofMillis(50))) {
                assertTrue(inner.await(30, TimeUnit.SECONDS));
            }
            int before = said.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (said.size() == before) {
                assertTrue(System.nanoTime() < deadline, "the outer watch speaks again once the inner is closed");
                Thread.onSpinWait();
            }
        }
        int firstOuter = said.indexOf(said.stream().filter(l -> l.startsWith("resolving")).findFirst().orElseThrow());
        assertTrue(said.subList(0, firstOuter).stream().allMatch(l -> l.startsWith("connecting")),
                "while connecting was watched only it spoke: " + said);
        assertTrue(firstOuter >= 2, said.toString());
    }
}

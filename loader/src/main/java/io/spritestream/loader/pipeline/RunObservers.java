package io.spritestream.loader.pipeline;

import io.spritestream.loader.ingest.ClientObserver;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Who is told what about a run, one role each, each defaulting to nobody (notices: standard error):
 *
 * @param events       the run's events for metrics ({@link LoaderListener})
 * @param notices      one-line notices for the user (a broker that does not answer, a damaged cache
 *                     shard); the reader and the decoders call it
 * @param clients      told when the run's Kafka consumer opens and closes (a binder of its client
 *                     metrics); the ingest side gets it unopened
 * @param epochEnds    every batch of an epoch was handed out by {@link SpriteLoader#next()}: called
 *                     in the call that hands out its last batch, before that batch is returned, or,
 *                     when the epoch ends without a batch of its own (its last one was full, was
 *                     dropped, or this rank had none), in the next call, before it waits for another
 *                     epoch's first batch
 * @param threadEnding run by each pipeline thread as its last act (its own figures, such as CPU
 *                     time and allocated bytes, can be read there: a benchmark's accounting)
 */
public record RunObservers(LoaderListener events, Consumer<String> notices, ClientObserver clients,
                           IntConsumer epochEnds, Runnable threadEnding) {

    /** Nobody told anything; notices on standard error. */
    public static final RunObservers NONE = new RunObservers(LoaderListener.NONE, System.err::println,
            ClientObserver.NONE, epoch -> { }, () -> { });

    public RunObservers {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(notices, "notices");
        Objects.requireNonNull(clients, "clients");
        Objects.requireNonNull(epochEnds, "epochEnds");
        Objects.requireNonNull(threadEnding, "threadEnding");
    }

    public RunObservers withEvents(LoaderListener value) {
        return new RunObservers(value, notices, clients, epochEnds, threadEnding);
    }

    public RunObservers withNotices(Consumer<String> value) {
        return new RunObservers(events, value, clients, epochEnds, threadEnding);
    }

    public RunObservers withClients(ClientObserver value) {
        return new RunObservers(events, notices, value, epochEnds, threadEnding);
    }

    public RunObservers withEpochEnds(IntConsumer value) {
        return new RunObservers(events, notices, clients, value, threadEnding);
    }

    public RunObservers withThreadEnding(Runnable value) {
        return new RunObservers(events, notices, clients, epochEnds, value);
    }
}

/**
 * The loader jar's commands: {@link LoaderMain} ({@code demo}, {@code load}, {@code train},
 * {@code preview}, {@code bench}, {@code feed}, {@code evaluate}, {@code cache}, {@code broker}, and
 * the producer's {@code produce} and {@code datasets}), their option mixins, and {@link Prestart}
 * (the start-up thread that readies Kafka's classes, OpenCV and DJL while the command line is built).
 * Start at {@link LoaderMain}.
 *
 * <p>May use everything: every loader package, the producer, the broker and picocli. Nothing else
 * in the loader uses it.
 */
package io.spritestream.loader.cli;

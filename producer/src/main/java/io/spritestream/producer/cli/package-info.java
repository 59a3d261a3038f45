/**
 * The producer jar's commands: {@link ProducerMain} ({@code produce}, {@code datasets}),
 * {@link ProduceCommand}, {@link DatasetsCommand}, and {@link SyntheticOptions}, the synthetic set's
 * options (the loader's {@code bench} takes them too). Start at {@link ProducerMain}.
 *
 * <p>May use every producer and shared package, and picocli. Never uses loader or broker code
 * ({@code PackageRulesTest}).
 */
package io.spritestream.producer.cli;

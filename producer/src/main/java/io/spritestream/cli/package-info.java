/**
 * The pieces of the command line both jars share: {@link Cli} (how every command runs, fails and
 * exits), the mixins {@link KafkaOptions}, {@link MetricsOptions} and {@link VerboseOption},
 * {@link SettingsBundle} (options take defaults and docs from declared settings),
 * {@link ConsoleProgress} and {@link Version}. Start at {@link Cli}.
 *
 * <p>May use {@code config}, {@code kafka}, {@code metrics}, picocli and the progress bar. Never uses
 * producer, loader or broker code ({@code PackageRulesTest}): an option group that describes producer
 * code lives in {@code producer.cli}.
 */
package io.spritestream.cli;

/**
 * The dataset catalog on the compacted topic {@code spritestream.catalog}: {@link DatasetCatalog}
 * reads and writes {@link DatasetManifest}s (a version's exact offset ranges); {@link DatasetRef} is
 * {@code NAME[@VERSION]}; {@link Unrecorded} finds records no version covers.
 *
 * <p>Shared by both jars (the producer writes versions, the loader reads them); may use
 * {@code config}, {@code kafka}, {@code record}, Kafka's client and Jackson. Never uses producer,
 * loader or broker code ({@code PackageRulesTest}).
 */
package io.spritestream.catalog;

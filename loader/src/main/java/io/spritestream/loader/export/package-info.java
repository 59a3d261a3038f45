/**
 * What a run writes for people and other tools: the NPY export ({@link NpyExport}, {@link NpyWriter}),
 * the report ({@link RunReport}), the preview PNG ({@link ContactSheet}) and evaluate's confusion
 * matrix ({@link ConfusionPicture}).
 *
 * <p>May use {@code memory}, {@code decode}, {@code tensor}, {@code batch}, {@code config}, Jackson
 * and ImageIO; no DJL, no Kafka.
 */
package io.spritestream.loader.export;

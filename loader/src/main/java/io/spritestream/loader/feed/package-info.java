/**
 * The loader's pool as a shared-memory ring another process views (the PyTorch side's
 * {@code SpriteStream}): {@link Ring} (the file, its header, a batch's metadata in its slot) and
 * {@link FeedRun} (the run, its line protocol, the state file as the viewer takes batches). Start at
 * {@link FeedRun}.
 *
 * <p>May use {@code memory}, {@code decode}, {@code batch}, {@code export}, {@code replay},
 * {@code pipeline} and the shared packages; no DJL.
 */
package io.spritestream.loader.feed;

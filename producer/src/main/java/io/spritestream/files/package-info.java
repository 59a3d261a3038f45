/**
 * Files that hold training data, created owner-only ({@link OwnerOnly}): the ring, the decoded
 * cache, saved loader state, exports and contact sheets are readable by the user who ran the
 * command and nobody else, whatever the umask.
 *
 * <p>Shared by both jars; uses no other spritestream package and no outside library.
 */
package io.spritestream.files;

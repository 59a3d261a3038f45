package io.spritestream.loader.replay;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Arrays;

/**
 * A point in an epoch where the ranks changed (elastic resume): the old world size and how far each
 * old rank had got in its share. What the old ranks had not delivered is re-split among the new ranks.
 *
 * @param worldSize old number of ranks
 * @param positions per old rank, how many records of its share it had consumed
 */
public record Split(@JsonProperty("world_size") int worldSize, @JsonProperty("positions") long[] positions) {

    public Split {
        if (worldSize < 1 || positions == null || positions.length != worldSize) {
            throw new IllegalArgumentException("split: world size " + worldSize + " with "
                    + (positions == null ? 0 : positions.length) + " positions (expected one per rank)");
        }
        positions = positions.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Split s && s.worldSize == worldSize && Arrays.equals(s.positions, positions);
    }

    @Override
    public int hashCode() {
        return 31 * worldSize + Arrays.hashCode(positions);
    }

    @Override
    public String toString() {
        return "Split{worldSize=" + worldSize + ", positions=" + Arrays.toString(positions) + "}";
    }
}

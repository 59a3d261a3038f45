package io.spritestream.loader.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class WaitingRecordsTest {

    @Test
    void behavesLikeAMapUnderRandomPutsAndRemoves() {
        WaitingRecords table = new WaitingRecords();
        Map<Integer, ConsumerRecord<ByteBuffer, ByteBuffer>> reference = new HashMap<>();
        Random rnd = new Random(5);
        for (int step = 0; step < 200_000; step++) {
            int key = rnd.nextInt(3_000);
            if (rnd.nextInt(3) == 0) {
                table.remove(key);
                reference.remove(key);
            } else {
                ConsumerRecord<ByteBuffer, ByteBuffer> record = new ConsumerRecord<>("t", 0, key, null, null);
                table.put(key, record);
                reference.put(key, record);
            }
            int probe = rnd.nextInt(3_000);
            assertSame(reference.get(probe), table.get(probe), "key " + probe + " at step " + step);
            assertEquals(reference.size(), table.size());
        }
    }
}

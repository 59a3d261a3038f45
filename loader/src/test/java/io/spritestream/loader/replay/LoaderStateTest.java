package io.spritestream.loader.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.config.InvalidSettingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A state file is read back as written, and one whose class list was tampered with is refused. */
class LoaderStateTest {

    private static LoaderState state(List<String> classes) {
        return LoaderState.fresh("icons", 1, "sprites.icons", List.of(new OffsetRange(0, 0, 10)),
                OrderSpec.shuffled(3), "none", 1, 1, 0, classes, 8);
    }

    @Test
    void aStateIsReadBackWithItsClasses(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state.json");
        state(List.of("coin", "gem")).write(file);

        assertEquals(List.of("coin", "gem"), LoaderState.read(file).classes());
    }

    @Test
    void aStateWhoseClassHoldsANewlineIsRefusedNamingTheClassEscaped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state.json");
        state(List.of("coin", "gem")).write(file);
        Files.writeString(file, Files.readString(file).replace("\"gem\"", "\"gem\\nruby\""));

        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> LoaderState.read(file));

        assertTrue(e.getMessage().startsWith("resume: " + file + ": classes[1]: \"gem\\u000aruby\" holds U+000A"),
                e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}

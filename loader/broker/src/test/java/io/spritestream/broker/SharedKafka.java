package io.spritestream.broker;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests ONE {@link EmbeddedKafka} for the whole test run: the first test
 * that asks for it starts it (free port, temporary data directory), every later test class in the same
 * run gets the same broker, and JUnit closes it when the run ends.
 *
 * <pre>{@code
 * @ExtendWith(SharedKafka.class)
 * class SomethingTest {
 *     @Test
 *     void roundTrip(EmbeddedKafka kafka) { ... kafka.bootstrapServers() ... }
 * }
 * }</pre>
 *
 * <p>Parameters of type {@link EmbeddedKafka} are resolved in test, lifecycle ({@code @BeforeAll},
 * {@code @BeforeEach}, ...) and constructor signatures. Code holding only an {@link ExtensionContext}
 * can call {@link #broker(ExtensionContext)}.
 *
 * <p><b>Ownership.</b> The broker lives in the root {@link ExtensionContext.Store}; JUnit closes it (an
 * {@link AutoCloseable} value) after the last test. Tests must not close it, and because every test
 * shares it, they should use their own topic names (and group ids) rather than assume an empty broker.
 * Starting is thread-safe: tests running in parallel still share one broker.
 */
public final class SharedKafka implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SharedKafka.class);
    private static final String KEY = "broker";

    /** The run's shared broker, started on first use. */
    public static EmbeddedKafka broker(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(KEY, key -> EmbeddedKafka.start(), EmbeddedKafka.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EmbeddedKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return broker(extensionContext);
    }
}

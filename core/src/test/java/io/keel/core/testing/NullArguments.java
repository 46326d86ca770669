package io.keel.core.testing;

import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * keel's null rule as an assertion: a null argument throws {@link NullPointerException} whose
 * message is the argument's name. Stateless.
 */
public final class NullArguments {
    private NullArguments() {
    }

    /** Asserts that {@code call}, which passes null for argument {@code name}, follows the rule. */
    public static void assertNullNamed(String name, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call, name);
        assertEquals(name, e.getMessage(), "message of the NullPointerException for null " + name);
    }
}

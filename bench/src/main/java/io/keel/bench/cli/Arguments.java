package io.keel.bench.cli;

import java.util.function.Supplier;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Turns what the user typed into the objects a command runs on, so that a bad value is reported
 * as a bad argument (exit code 2, see {@link KeelCommand#execute}) and not as a failed run (1).
 *
 * <p>Kernel constructors and setters validate their arguments themselves and throw
 * {@link IllegalArgumentException} naming the value; a command builds everything that derives
 * from its options inside {@link #from}, which re-throws such a failure as picocli's
 * {@link CommandLine.ParameterException}. Stateless; cold path.
 */
final class Arguments {
    private Arguments() {
    }

    /** Runs {@code build}; an {@link IllegalArgumentException} it throws becomes a bad-argument error. */
    static <T> T from(CommandSpec spec, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException ex) {
            throw bad(spec, ex.getMessage());
        }
    }

    /** A bad-argument error of this command with {@code message}. */
    static CommandLine.ParameterException bad(CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}

package io.keel.bench.jmh;

import org.openjdk.jmh.annotations.Fork;

/**
 * Base of every keel benchmark: the fork settings they share ({@code @Fork} is inherited). One
 * fork with SIMD on ({@code --add-modules jdk.incubator.vector}, the one flag users need), equal
 * {@code -Xms}/{@code -Xmx} and {@code -XX:+AlwaysPreTouch} so that heap sizing and page faults
 * stay out of the timings. A benchmark that needs a bigger heap declares its own {@code @Fork}
 * with the same flags and its heap size.
 */
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
public abstract class KeelBenchmark {
    /** For subclasses. */
    protected KeelBenchmark() {
    }
}

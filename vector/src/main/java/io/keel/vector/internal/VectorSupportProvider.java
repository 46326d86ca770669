package io.keel.vector.internal;

import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Provides the one {@link VectorSupport} the public kernels use, chosen once per JVM in the manner
 * of Lucene's {@code VectorizationProvider}: the Panama implementation when
 * {@code jdk.incubator.vector} is in the boot layer and the CPU has float vectors of 128 to 512
 * bits, the scalar one otherwise, with one INFO line saying which. This class names no incubator
 * type, so it loads safely without the module; the package-private Panama class is reached after
 * the check through this class's own private lookup, so nothing outside the package can
 * construct it.
 *
 * <p>Thread-safe (the choice is a class-initialisation constant); {@link #get} allocates nothing.
 */
public final class VectorSupportProvider {
    private static final String PANAMA = "io.keel.vector.internal.PanamaVectorSupport";
    private static final VectorSupport CHOSEN = choose();

    private VectorSupportProvider() {
    }

    /** The implementation the public kernels use. */
    public static VectorSupport get() {
        return CHOSEN;
    }

    /** The scalar implementation, always available (tests compare against it). */
    public static VectorSupport scalar() {
        return ScalarVectorSupport.INSTANCE;
    }

    /** The Panama implementation, or null when the module or the CPU does not allow it. */
    public static VectorSupport panama() {
        return CHOSEN instanceof ScalarVectorSupport ? null : CHOSEN;
    }

    private static VectorSupport choose() {
        System.Logger log = System.getLogger("io.keel.vector");
        String why;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            why = "jdk.incubator.vector is not in the boot layer (add --add-modules jdk.incubator.vector)";
        } else {
            try {
                VectorSupport s = loadPanama();
                if (s != null) {
                    log.log(Level.INFO, "keel vector kernels: " + s.description());
                    return s;
                }
                why = "the CPU has no float vectors of 128 to 512 bits";
            } catch (ReflectiveOperationException | LinkageError e) {
                why = "the Panama implementation failed to load: " + e;
            }
        }
        log.log(Level.INFO, "keel vector kernels: scalar fallback; " + why);
        return ScalarVectorSupport.INSTANCE;
    }

    /** The Panama implementation through a private lookup, or null when the CPU cannot use it. */
    private static VectorSupport loadPanama() throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Class<?> c = lookup.findClass(PANAMA);
        MethodHandle usable = lookup.findStatic(c, "usable", MethodType.methodType(boolean.class));
        MethodHandle create = lookup.findConstructor(c, MethodType.methodType(void.class))
                .asType(MethodType.methodType(VectorSupport.class));
        try {
            return (boolean) usable.invokeExact() ? (VectorSupport) create.invokeExact() : null;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

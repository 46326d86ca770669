package io.keel.vector.internal;

import java.lang.System.Logger.Level;

/**
 * Chooses the implementation once per JVM, in the manner of Lucene's
 * {@code VectorizationProvider}: the Panama one when {@code jdk.incubator.vector} is in the boot
 * layer and the CPU has vectors of 128 bits or more, the scalar one otherwise. It logs one
 * INFO line saying which. This class names no incubator type, so it loads safely without the
 * module; the Panama class is loaded reflectively after the check.
 */
public final class VectorSupports {
    private static final String PANAMA = "io.keel.vector.internal.PanamaVectorSupport";
    private static final VectorSupport CHOSEN = choose();

    private VectorSupports() {
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
                Class<?> c = Class.forName(PANAMA);
                if ((Boolean) c.getMethod("usable").invoke(null)) {
                    VectorSupport s = (VectorSupport) c.getConstructor().newInstance();
                    log.log(Level.INFO, "keel vector kernels: " + s.description());
                    return s;
                }
                why = "the CPU has no vectors of 128 bits or more";
            } catch (ReflectiveOperationException | LinkageError e) {
                why = "the Panama implementation failed to load: " + e;
            }
        }
        log.log(Level.INFO, "keel vector kernels: scalar fallback; " + why);
        return ScalarVectorSupport.INSTANCE;
    }
}

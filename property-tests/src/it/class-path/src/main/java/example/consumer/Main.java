package example.consumer;

import io.keel.vector.VectorMath;

/** Runs {@code VectorMath.dot} on the class path, without the incubator module; exits 1 on a wrong result. */
public final class Main {
    private Main() {
    }

    /**
     * Runs the check.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            System.out.println("FAILED: this check is for the scalar fallback; run it without --add-modules");
            System.exit(1);
        }
        float[] a = new float[37];
        float[] b = new float[37];
        float expected = 0;
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
            b[i] = 2;
            expected += 2 * i;
        }
        float dot = VectorMath.dot(a, 0, b, 0, a.length);   // small integers: exact in float32
        if (dot != expected) {
            System.out.println("FAILED: dot = " + dot + ", expected " + expected);
            System.exit(1);
        }
        System.out.println("OK class path: dot = " + dot + " on the scalar fallback");
    }
}

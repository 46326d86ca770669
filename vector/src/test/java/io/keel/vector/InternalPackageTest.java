package io.keel.vector;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;

import io.keel.core.Checks;
import io.keel.vector.internal.VectorSupport;
import org.eclipse.collections.api.IntIterable;
import org.eclipse.collections.impl.map.mutable.primitive.IntIntHashMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The kernels' guts are out of reach. On the module path (a layer built from the compiled
 * {@code io.keel.vector} module and its dependencies), {@code io.keel.vector.internal} is not
 * exported, and code in another module (this test's) can neither call its public classes nor
 * look them up. On the class path too, the Panama implementation is package-private.
 */
class InternalPackageTest {
    @Test
    void internalIsNotReachableFromAnotherModule() throws Exception {
        ModuleFinder finder = ModuleFinder.of(location(VectorMath.class), location(Checks.class),
                location(IntIntHashMap.class), location(IntIterable.class));
        Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(),
                Set.of("io.keel.vector"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Module vector = layer.findModule("io.keel.vector").orElseThrow();
        Module caller = InternalPackageTest.class.getModule();

        assertTrue(vector.isNamed());
        assertTrue(vector.isExported("io.keel.vector"));
        assertTrue(vector.isExported("io.keel.vector.retrieve"));
        assertFalse(vector.isExported("io.keel.vector.internal"));
        assertFalse(vector.isExported("io.keel.vector.internal", caller));
        assertFalse(vector.getDescriptor().isOpen());

        ClassLoader loader = layer.findLoader("io.keel.vector");
        Class<?> provider = Class.forName("io.keel.vector.internal.VectorSupportProvider", false, loader);
        assertEquals(vector, provider.getModule());
        assertThrows(IllegalAccessException.class, () -> provider.getMethod("get").invoke(null));
        assertThrows(IllegalAccessException.class, () -> MethodHandles.publicLookup()
                .findStatic(provider, "get", MethodType.methodType(provider.getMethod("get").getReturnType())));
        Class<?> api = Class.forName("io.keel.vector.VectorMath", true, loader);
        assertTrue(((String) api.getMethod("implementation").invoke(null)).length() > 0,
                "the exported API works from the same layer");
    }

    @Test
    void thePanamaImplementationIsPackagePrivate() throws Exception {
        assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "needs the Vector API");
        Class<?> panama = Class.forName("io.keel.vector.internal.PanamaVectorSupport", false,
                VectorSupport.class.getClassLoader());
        assertFalse(Modifier.isPublic(panama.getModifiers()));
        assertFalse(Modifier.isPublic(panama.getDeclaredConstructor().getModifiers()));
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}

package io.keel.planners.ep.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keel.core.Checks;
import io.keel.planners.ep.QuotaPlanner;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * On the module path (a layer built from the compiled {@code io.keel.planners} module and
 * {@code io.keel.core}), the planner picks its column sum as on the class path: the Panama form
 * when {@code jdk.incubator.vector} is in the boot layer, which the module's {@code requires
 * static} then reads, the scalar form otherwise; its {@code internal} package stays unexported.
 */
class ColumnSumModulePathTest {
    @Test
    void theModuleChoosesAsTheClassPathDoesAndKeepsItsInternalsClosed() throws Exception {
        ModuleFinder finder = ModuleFinder.of(location(QuotaPlanner.class), location(Checks.class));
        Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(),
                Set.of("io.keel.planners"));
        ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
        Module planners = layer.findModule("io.keel.planners").orElseThrow();
        assertTrue(planners.isNamed());
        assertTrue(planners.isExported("io.keel.planners.ep"));
        assertFalse(planners.isExported("io.keel.planners.ep.internal"));

        Optional<Module> incubator = ModuleLayer.boot().findModule("jdk.incubator.vector");
        assertEquals(incubator.isPresent(), incubator.map(planners::canRead).orElse(false),
                "requires static reads the incubator module exactly when it is in the boot layer");

        ClassLoader loader = layer.findLoader("io.keel.planners");
        Class<?> api = Class.forName("io.keel.planners.ep.QuotaPlanner", true, loader);
        assertEquals(planners, api.getModule());
        String chosen = (String) api.getMethod("columnSumImplementation").invoke(null);
        assertEquals(QuotaPlanner.columnSumImplementation(), chosen, "the same choice as on the class path");
        assertTrue(chosen.startsWith(incubator.isPresent() && !Boolean.getBoolean("keel.planners.scalar")
                ? "Panama" : "scalar"), chosen);

        Class<?> internal = Class.forName("io.keel.planners.ep.internal.ColumnSum", false, loader);
        assertThrows(IllegalAccessException.class, () -> internal.getMethod("implementation").invoke(null));
        if (incubator.isPresent()) {
            Class<?> panama = Class.forName("io.keel.planners.ep.internal.PanamaColumnSum", false, loader);
            assertFalse(Modifier.isPublic(panama.getModifiers()));
        }
    }

    private static Path location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}

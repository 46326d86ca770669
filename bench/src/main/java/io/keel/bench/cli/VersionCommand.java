package io.keel.bench.cli;

import java.util.Map;

import io.keel.bench.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;

/** {@code keel version}: keel's version, the JVM, and whether SIMD is available. */
@Command(name = "version", mixinStandardHelpOptions = true,
        description = "Print keel's version and the runtime it runs on.")
public final class VersionCommand implements Runnable {
    @Mixin
    JsonOption output;

    /** keel's version from the jar manifest or the build, "dev" when unknown. */
    public static String keelVersion() {
        String v = VersionCommand.class.getPackage().getImplementationVersion();
        return v != null ? v : BuildInfo.VERSION;
    }

    @Override
    public void run() {
        Map<String, Object> r = Report.object();
        r.put("keel", keelVersion());
        r.put("java", Runtime.version().toString());
        r.put("vm", System.getProperty("java.vm.name"));
        r.put("vectorModule", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        r.put("cores", Runtime.getRuntime().availableProcessors());
        Report.print(System.out, r, output.json());
    }

    /** Supplies {@code keel --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"keel " + keelVersion() + " on Java " + Runtime.version()};
        }
    }
}

package io.keel.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.bench.sim.ep.EpStepSimulator;
import io.keel.bench.sim.ep.MoeTraces;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code keel ep-sim}: the EP step simulator's tables (MoE-layer step time by balancer and relay
 * policy) on UltraEP's Zipf sweep and, with {@code --trace}, on the raw moe-traces, as tables or JSON.
 */
@Command(name = "ep-sim", mixinStandardHelpOptions = true,
        description = "Simulate MoE-layer step times (none, EPLB on stale loads, keel, ideal) as tables or JSON.")
public final class EpSimCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    JsonOption output;

    @Option(names = "--domain", description = "Ranks per scale-up domain, a divisor of 64 (default ${DEFAULT-VALUE}).")
    int domain = 64;

    @Option(names = "--trace", description = "The moe-traces folder: add its raw per-source traces to the tables.")
    Path trace;

    @Override
    public void run() {
        if (domain < 1 || 64 % domain != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--domain must divide 64, was " + domain);
        }
        if (trace != null && !isMoeTraces(trace)) {
            // Checked before the sweep runs, so a wrong folder fails at once.
            throw Arguments.bad(spec, "--trace must be the moe-traces folder (raw/<model>/<rank>/moe_layer-<L>.csv), was "
                    + trace);
        }
        Map<String, Object> tables = Arguments.from(spec, () -> {
            try {
                return EpStepSimulator.tables(domain, trace);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Report.print(System.out, tables, output.json());
    }

    private static boolean isMoeTraces(Path folder) {
        Path raw = folder.resolve("raw");
        if (!Files.isDirectory(raw)) {
            return false;
        }
        List<String> models = MoeTraces.rawModels(folder);
        return !models.isEmpty() && models.stream().allMatch(m -> MoeTraces.isRawLayout(raw.resolve(m)));
    }
}

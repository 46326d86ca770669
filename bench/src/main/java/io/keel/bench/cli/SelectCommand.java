package io.keel.bench.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

import io.keel.bench.report.Report;
import io.keel.bench.sim.select.AutoformalizationSet;
import io.keel.bench.sim.select.SelectionEvaluation;
import io.keel.vector.select.ConsistencySelector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keel select}: candidate-selection accuracy over one autoformalization CSV. */
@Command(name = "select", mixinStandardHelpOptions = true,
        description = "Score autoformalization candidates by symbolic equivalence + semantic consistency "
                + "and report accuracies (percent) over a golden CSV.")
public final class SelectCommand implements Runnable {
    @Mixin
    JsonOption output;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "A CSV of shared/data/autoformalization (problem,candidate,cluster,syntax,...).")
    Path data;

    @Option(names = "--alpha", defaultValue = "0.8", description = "Weight of the symbolic score (default 0.8).")
    double alpha;

    @Option(names = "--combine", defaultValue = "linear", paramLabel = "linear|log|power",
            description = "How the two scores combine (default linear).")
    String combine;

    @Option(names = "--temperature", defaultValue = "1", description = "Softmax temperature (default 1).")
    double temperature;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ConsistencySelector.Combine c = switch (combine.toLowerCase(Locale.ROOT)) {
            case "linear" -> ConsistencySelector.Combine.LINEAR;
            case "log" -> ConsistencySelector.Combine.LOG;
            case "power" -> ConsistencySelector.Combine.POWER;
            default -> throw Arguments.bad(spec, "--combine must be linear, log or power, was " + combine);
        };
        // The selector checks alpha and the temperature; check them before reading the file.
        Arguments.from(spec, () -> new ConsistencySelector(1).alpha(alpha).temperature(temperature));
        if (!Files.isRegularFile(data)) {
            throw Arguments.bad(spec, "--data must be a candidate-score CSV file, was " + data);
        }
        AutoformalizationSet set = Arguments.from(spec, () -> AutoformalizationSet.read(data));
        ConsistencySelector selector = new ConsistencySelector(set.maxCandidates())
                .alpha(alpha).temperature(temperature).combine(c);
        // The reader checks what the selector checks (class ids, finite scores), with file and line;
        // anything the selector still refuses comes from the file too, so it is a bad argument as well.
        SelectionEvaluation.Figures figures = Arguments.from(spec, () -> SelectionEvaluation.evaluate(set, selector));
        Report.print(System.out, report(figures), output.json());
    }

    /** The figures as the report prints them: problems, then accuracies in percent. */
    static Map<String, Object> report(SelectionEvaluation.Figures f) {
        Map<String, Object> r = Report.object();
        r.put("problems", f.problems());
        r.put("pass1", f.percent(f.pass1()));
        r.put("passK", f.percent(f.passK()));
        r.put("symbolic", f.percent(f.symbolic()));
        r.put("semantic", f.percent(f.semantic()));
        r.put("combined", f.percent(f.combined()));
        return r;
    }
}

package io.keel.bench.sim.rollout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.keel.bench.report.Report;
import io.keel.planners.rollout.ModelSpec;

/**
 * One {@code keel rollout} experiment: a model on a cluster at a KV load, over several seeds
 * (workloads) of several training steps each. Each baseline runs at every usable degree (its
 * best static degree is the one with the least mean makespan) or at a forced one, and at the
 * framework default; keel and its oracle variant run once per seed; the report gives means,
 * keel's speedup over the best baseline with a 95% t-interval over seeds, and the lower bound.
 *
 * <p>Runs seeds on two threads of its own (each simulation single-threaded and deterministic, so
 * the report does not depend on the interleaving); allocates freely.
 */
public final class RolloutExperiment {
    private static final double[] T95 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};

    private final RolloutConfig cfg;
    private final RolloutWorkload.Params params;
    private final double load;
    private final int seeds;
    private final Integer forcedDegree;
    private final int trajectories;
    /** The distinct concurrency limits of {@link #CONCURRENCY} for this run (0 first: no limit). */
    private final int[] limits;
    /** The baselines' max batches swept: the config's, then the rest of {@link #MAX_BATCH}. */
    private final int[] batches;

    /** An experiment; {@code forcedDegree} null sweeps the baselines' degree. */
    public RolloutExperiment(RolloutConfig cfg, RolloutWorkload.Params params, double load, int seeds, Integer forcedDegree) {
        this.cfg = cfg;
        this.params = params;
        this.load = load;
        this.seeds = seeds;
        this.forcedDegree = forcedDegree;
        this.trajectories = RolloutSimulator.trajectoriesForLoad(params, cfg, load, 1);
        this.limits = java.util.Arrays.stream(CONCURRENCY).mapToInt(this::concurrency).distinct().toArray();
        this.batches = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(cfg.maxBatch()),
                java.util.Arrays.stream(MAX_BATCH)).distinct().toArray();
    }

    /**
     * The baselines' concurrency limits swept, in units of the trajectories whose final contexts
     * fill the cluster's KV cache ({@code trajectories / load}); 0 is no limit (the frameworks'
     * default). Unlimited admission thrashes the cache under load (every trajectory waiting on a
     * tool is evicted and prefilled again), which no operator would leave as it is.
     */
    static final double[] CONCURRENCY = {0, 2, 1.75, 1.5, 1.25, 1, 0.75};

    /** The limit {@code c} stands for; 0 (no limit) also where it would hold every trajectory. */
    private int concurrency(double c) {
        long v = Math.max(1, Math.round(c * trajectories / load));
        return c == 0 || v >= trajectories ? 0 : (int) v;
    }

    /**
     * The baselines' max batch (sequences an instance runs at once) swept, with the config's own
     * (the frameworks' default): vLLM's default on an H100, 1,024, and its default on smaller GPUs,
     * 256. keel keeps {@link RolloutConfig#maxBatch()}.
     */
    static final int[] MAX_BATCH = {1024, 256};

    private static String key(String policy, int degree, int limit, int batch) {
        return policy + "@" + degree + "@" + limit + "@" + batch;
    }

    /** A framework's default: no concurrency limit, the config's max batch. */
    private String defaultKey(String policy, int degree) {
        return key(policy, degree, 0, cfg.maxBatch());
    }

    /** Runs it and builds the report. */
    public Map<String, Object> run(boolean ablations) {
        long t0 = System.nanoTime();
        int cap = params.contextCap();
        int fallback = RolloutSimulator.frameworkDefaultDegree(cfg, cap);
        TreeSet<Integer> degrees = new TreeSet<>();
        if (forcedDegree != null) {
            degrees.add(forcedDegree);
        } else {
            for (int d : cfg.usableDegrees(cap)) {
                degrees.add(d);
            }
        }
        degrees.add(fallback);
        List<Policy> baselines = List.of(Policy.verl(), Policy.slime());
        List<Policy> keels = new ArrayList<>(List.of(Policy.keel(), Policy.keelOracle()));
        if (ablations) {
            keels.addAll(Policy.ablations());
        }
        // runs[policy name + "@" + degree] = one result per seed
        // Seeds are independent: simulated two at a time (this machine has two cores), merged in seed order.
        List<Map<String, RolloutResult>> perSeed;
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Future<Map<String, RolloutResult>>> futures = new ArrayList<>();
            for (int s = 1; s <= seeds; s++) {
                int seed = s;
                futures.add(pool.submit(() -> oneSeed(seed, degrees, fallback, baselines, keels)));
            }
            perSeed = new ArrayList<>();
            for (Future<Map<String, RolloutResult>> f : futures) {
                perSeed.add(f.get());
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e.getCause() != null ? e.getCause() : e);
        }
        Map<String, List<RolloutResult>> runs = new LinkedHashMap<>();
        List<Double> bounds = new ArrayList<>();
        for (Map<String, RolloutResult> seed : perSeed) {
            seed.forEach((k, v) -> runs.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
            bounds.add(seed.values().iterator().next().lowerBoundSeconds());
        }
        return report(runs, degrees, fallback, bounds, keels, (System.nanoTime() - t0) / 1e9);
    }

    private Map<String, RolloutResult> oneSeed(int seed, TreeSet<Integer> degrees, int fallback, List<Policy> baselines,
                                               List<Policy> keels) {
        List<RolloutWorkload> steps = RolloutSimulator.trainingSteps(params.withTrajectories(trajectories), cfg, seed);
        Map<String, RolloutResult> out = new LinkedHashMap<>();
        for (Policy b : baselines) {
            for (int d : degrees) {
                for (int c : limits) {
                    for (int batch : batches) {
                        out.put(key(b.name(), d, c, batch), RolloutSimulator.run(steps,
                                cfg.withBaselineDegree(d).withBaselineConcurrency(c).withMaxBatch(batch), b));
                    }
                }
            }
        }
        for (Policy k : keels) {
            out.put(k.name(), RolloutSimulator.run(steps, cfg.withBaselineDegree(fallback), k));
        }
        return out;
    }

    private Map<String, Object> report(Map<String, List<RolloutResult>> runs, TreeSet<Integer> degrees, int fallback,
                                       List<Double> bounds, List<Policy> keels, double wall) {
        Map<String, Object> r = Report.object();
        r.put("model", cfg.model().name());
        r.put("workload", params.name());
        r.put("load", load);
        r.put("gpus", cfg.gpus());
        r.put("trajectories", trajectories);
        r.put("seeds", seeds);
        r.put("trainingSteps", cfg.trainingSteps());
        double bound = mean(bounds);
        r.put("lowerBoundSeconds", bound);
        List<Object> baselineList = new ArrayList<>();
        List<Object> defaults = new ArrayList<>();
        List<RolloutResult> best = null;
        String bestName = null;
        int bestDegree = 0;
        int bestConcurrency = 0;
        int bestBatch = 0;
        for (String name : List.of("verl", "slime")) {
            int arg = -1;
            int argC = 0;
            int argB = 0;
            Map<String, Object> sweep = Report.object();
            for (int d : degrees) {
                if (forcedDegree == null || d == forcedDegree) {
                    double bestAtD = Double.MAX_VALUE;
                    for (int c : limits) {
                        for (int batch : batches) {
                            double mk = meanMakespan(runs.get(key(name, d, c, batch)));
                            bestAtD = Math.min(bestAtD, mk);
                            if (arg < 0 || mk < meanMakespan(runs.get(key(name, arg, argC, argB)))) {
                                arg = d;
                                argC = c;
                                argB = batch;
                            }
                        }
                    }
                    sweep.put("tp" + d, bestAtD);
                }
            }
            List<RolloutResult> at = runs.get(key(name, arg, argC, argB));
            Map<String, Object> e = entry(name, arg, at);
            e.put("concurrency", argC == 0 ? null : argC);
            e.put("maxBatch", argB);
            e.put("makespanByTp", sweep);
            Map<String, Object> byC = Report.object();
            for (int c : limits) {
                byC.put(c == 0 ? "unlimited" : String.valueOf(c), meanMakespan(runs.get(key(name, arg, c, argB))));
            }
            e.put("makespanByConcurrency", byC);
            Map<String, Object> byB = Report.object();
            for (int batch : batches) {
                byB.put(String.valueOf(batch), meanMakespan(runs.get(key(name, arg, argC, batch))));
            }
            e.put("makespanByMaxBatch", byB);
            baselineList.add(e);
            defaults.add(entry(name, fallback, runs.get(defaultKey(name, fallback))));
            if (best == null || meanMakespan(at) < meanMakespan(best)) {
                best = at;
                bestName = name;
                bestDegree = arg;
                bestConcurrency = argC;
                bestBatch = argB;
            }
        }
        r.put("baselines", baselineList);
        r.put("baselinesAtFrameworkDefault", defaults);
        Map<String, Object> b = Report.object();
        b.put("name", bestName);
        b.put("tp", bestDegree);
        b.put("concurrency", bestConcurrency == 0 ? null : bestConcurrency);
        b.put("maxBatch", bestBatch);
        b.put("makespanSeconds", meanMakespan(best));
        r.put("bestBaseline", b);
        List<RolloutResult> keel = runs.get("keel");
        r.put("keel", entry("keel", 0, keel));
        r.put("keelOracle", entry("keel-oracle", 0, runs.get("keel-oracle")));
        r.put("speedupOverBestBaseline", speedup(best, keel));
        r.put("oracleSpeedupOverBestBaseline", speedup(best, runs.get("keel-oracle")));
        r.put("speedupOverFrameworkDefault", speedup(bestAt(runs, fallback), keel));
        r.put("baselineHeadroom", meanMakespan(best) / bound);
        r.put("keelOverLowerBound", meanMakespan(keel) / bound);
        if (keels.size() > 2) {
            Map<String, Object> abl = Report.object();
            for (Policy p : keels.subList(2, keels.size())) {
                Map<String, Object> a = entry(p.name(), 0, runs.get(p.name()));
                a.put("keelSpeedupOverThis", speedup(runs.get(p.name()), keel));
                abl.put(p.name(), a);
            }
            r.put("ablations", abl);
        }
        r.put("predictor", predictorReport(keel.get(0)));
        r.put("wallSeconds", wall);
        return r;
    }

    private List<RolloutResult> bestAt(Map<String, List<RolloutResult>> runs, int d) {
        List<RolloutResult> a = runs.get(defaultKey("verl", d));
        List<RolloutResult> b = runs.get(defaultKey("slime", d));
        return meanMakespan(a) <= meanMakespan(b) ? a : b;
    }

    private static Map<String, Object> entry(String name, int degree, List<RolloutResult> rs) {
        Map<String, Object> e = Report.object();
        e.put("name", name);
        if (degree > 0) {
            e.put("tp", degree);
        } else {
            e.put("instances", rs.get(rs.size() - 1).instances());
        }
        e.put("makespanSeconds", meanMakespan(rs));
        e.put("p99CompletionSeconds", mean(rs.stream().map(RolloutResult::p99CompletionSeconds).toList()));
        e.put("meanQueueSeconds", mean(rs.stream().map(RolloutResult::meanQueueSeconds).toList()));
        e.put("gpuUtilisation", mean(rs.stream().map(RolloutResult::gpuUtilisation).toList()));
        e.put("evictions", (long) mean(rs.stream().map(x -> (double) x.evictions()).toList()));
        e.put("preemptions", (long) mean(rs.stream().map(x -> (double) x.preemptions()).toList()));
        e.put("reprefillTokens", (long) mean(rs.stream().map(x -> (double) x.reprefillTokens()).toList()));
        e.put("migrations", (long) mean(rs.stream().map(x -> (double) x.migrations()).toList()));
        if (degree == 0) {
            e.put("relaunches", mean(rs.stream().map(x -> (double) x.relaunches()).toList()));
        }
        return e;
    }

    /** Per seed, baseline makespan / keel makespan: mean and 95% t-interval half-width. */
    private static Map<String, Object> speedup(List<RolloutResult> base, List<RolloutResult> keel) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < keel.size(); i++) {
            ratios.add(base.get(i).makespanSeconds() / keel.get(i).makespanSeconds());
        }
        double mean = mean(ratios);
        double var = 0;
        for (double x : ratios) {
            var += (x - mean) * (x - mean);
        }
        int k = ratios.size();
        double ci = k < 2 ? Double.NaN : T95[Math.min(k - 2, T95.length - 1)] * Math.sqrt(var / (k - 1) / k);
        Map<String, Object> s = Report.object();
        s.put("mean", mean);
        s.put("ci95", ci);
        return s;
    }

    private static double meanMakespan(List<RolloutResult> rs) {
        return mean(rs.stream().map(RolloutResult::makespanSeconds).toList());
    }

    private static double mean(List<Double> xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return s / xs.size();
    }

    /** keel's predictor quality (first seed's last training step) at a few step indices. */
    static Map<String, Object> predictorReport(RolloutResult keel) {
        Map<String, Object> pred = Report.object();
        for (int k : new int[] {0, 1, 2, 5, 10, 20}) {
            if (k < keel.tailRecall().length) {
                Map<String, Object> at = Report.object();
                at.put("tailRecall", keel.tailRecall()[k]);
                at.put("survivorTailRecall", keel.survivorTailRecall()[k]);
                at.put("pearson", keel.pearson()[k]);
                pred.put("step" + k, at);
            }
        }
        return pred;
    }

    /** The sweep's models: three dense ones. */
    public static final List<ModelSpec> SWEEP_MODELS = List.of(ModelSpec.LLAMA31_8B, ModelSpec.QWEN25_32B, ModelSpec.LLAMA31_70B);

    /** The sweep: speedup over the best baseline for {@link #SWEEP_MODELS} x loads 0.5, 1, 2. */
    public static Map<String, Object> sweep(String workload, int gpus, int seeds, int trainingSteps, int maxBatch) {
        Map<String, Object> r = Report.object();
        List<Object> rows = new ArrayList<>();
        for (ModelSpec m : SWEEP_MODELS) {
            for (double rho : new double[] {0.5, 1, 2}) {
                RolloutWorkload.Params p = RolloutWorkload.Params.named(workload, 16);
                RolloutConfig cfg = RolloutConfig.defaults(m, gpus, 1).withTrainingSteps(trainingSteps).withMaxBatch(maxBatch);
                Map<String, Object> e = new RolloutExperiment(cfg, p, rho, seeds, null).run(false);
                Map<String, Object> row = Report.object();
                row.put("model", m.name());
                row.put("load", rho);
                row.put("trajectories", e.get("trajectories"));
                row.put("bestBaseline", e.get("bestBaseline"));
                row.put("keel", e.get("keel"));
                row.put("speedupOverBestBaseline", e.get("speedupOverBestBaseline"));
                row.put("oracleSpeedupOverBestBaseline", e.get("oracleSpeedupOverBestBaseline"));
                row.put("baselineHeadroom", e.get("baselineHeadroom"));
                rows.add(row);
            }
        }
        r.put("workload", workload);
        r.put("gpus", gpus);
        r.put("seeds", seeds);
        r.put("rows", rows);
        return r;
    }
}

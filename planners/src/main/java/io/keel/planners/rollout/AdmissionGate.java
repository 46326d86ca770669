package io.keel.planners.rollout;

import io.keel.core.Checks;

/**
 * Rollout-wide admission by predicted KV peaks: a trajectory may start only while the predicted
 * peak contexts of the trajectories started and unfinished, its own included, fit a budget of KV
 * tokens (a multiple of the cluster's KV capacity). Under load every trajectory starts with a
 * short prompt, so a cache that admits by current contexts takes them all and thrashes once their
 * contexts grow; the gate charges each one what it is predicted to grow to. The caller offers
 * trajectories in its order (longest predicted first, as Heddle's progressive priority), re-charges
 * one whenever its prediction changes and releases it when it finishes; the first offer with
 * nothing charged is always admitted, so a single trajectory larger than the budget still runs.
 *
 * <p>Threading: one thread. Allocation: the constructor allocates one array of {@code capacity};
 * every call allocates nothing and is O(1). Bad input throws {@link IllegalArgumentException}
 * before any state changes.
 */
public final class AdmissionGate {
    private final double[] charge;
    private double budget;
    private double charged;
    private int admitted;

    /** A gate for trajectory ids {@code [0, capacity)}, with a budget of 0 until {@link #reset}. */
    public AdmissionGate(int capacity) {
        charge = new double[Checks.nonNegative("capacity", capacity)];
    }

    /** Ids accepted: {@code [0, capacity)}. */
    public int capacity() {
        return charge.length;
    }

    /** Starts a new rollout: nothing admitted, {@code budgetTokens} (positive, finite) to charge. */
    public void reset(double budgetTokens) {
        Checks.positiveFinite("budgetTokens", budgetTokens);
        java.util.Arrays.fill(charge, 0.0);
        budget = budgetTokens;
        charged = 0;
        admitted = 0;
    }

    /**
     * Admits {@code id} charged {@code peakTokens} (positive, finite) if that fits the budget or
     * nothing is admitted; false leaves the gate unchanged.
     *
     * @throws IllegalArgumentException if {@code id} is out of range or already admitted
     */
    public boolean tryAdmit(int id, double peakTokens) {
        Checks.index("id", id, charge.length);
        Checks.positiveFinite("peakTokens", peakTokens);
        if (charge[id] > 0) {
            throw new IllegalArgumentException("trajectory " + id + " is already admitted");
        }
        if (admitted > 0 && charged + peakTokens > budget) {
            return false;
        }
        charge[id] = peakTokens;
        charged += peakTokens;
        admitted++;
        return true;
    }

    /** Whether {@code peakTokens} would be admitted now. */
    public boolean fits(double peakTokens) {
        return admitted == 0 || charged + peakTokens <= budget;
    }

    /**
     * Re-charges admitted {@code id} at {@code peakTokens} (positive, finite) after its prediction
     * changed; the charge may exceed the budget (started trajectories are never stopped), which
     * holds back new ones until enough finish.
     *
     * @throws IllegalArgumentException if {@code id} is out of range or not admitted
     */
    public void recharge(int id, double peakTokens) {
        requireAdmitted(id);
        Checks.positiveFinite("peakTokens", peakTokens);
        charged += peakTokens - charge[id];
        charge[id] = peakTokens;
    }

    /** Releases admitted {@code id} (it finished). @throws IllegalArgumentException if it is not admitted */
    public void release(int id) {
        requireAdmitted(id);
        charged -= charge[id];
        charge[id] = 0;
        if (--admitted == 0) {
            charged = 0; // no drift from the sums once empty
        }
    }

    /** Whether {@code id} is admitted and not released. */
    public boolean isAdmitted(int id) {
        return id >= 0 && id < charge.length && charge[id] > 0;
    }

    /** The KV tokens charged to {@code id} (0 when not admitted). */
    public double charge(int id) {
        return isAdmitted(id) ? charge[id] : 0.0;
    }

    /** Trajectories admitted and not released. */
    public int admittedCount() {
        return admitted;
    }

    /** Sum of the charges of the admitted trajectories. */
    public double chargedTokens() {
        return charged;
    }

    /** The budget of this rollout. */
    public double budgetTokens() {
        return budget;
    }

    private void requireAdmitted(int id) {
        Checks.index("id", id, charge.length);
        if (charge[id] <= 0) {
            throw new IllegalArgumentException("trajectory " + id + " is not admitted");
        }
    }
}

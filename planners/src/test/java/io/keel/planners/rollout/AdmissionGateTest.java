package io.keel.planners.rollout;

import java.util.SplittableRandom;

import io.keel.core.testing.AllocationProbe;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdmissionGateTest {
    @Test
    void admitsWhilePredictedPeaksFitAndReopensOnRelease() {
        AdmissionGate g = new AdmissionGate(8);
        g.reset(100);
        assertTrue(g.tryAdmit(0, 60));
        assertTrue(g.tryAdmit(1, 40));
        assertFalse(g.tryAdmit(2, 1));
        assertFalse(g.isAdmitted(2));
        g.release(0);
        assertTrue(g.fits(60));
        assertTrue(g.tryAdmit(2, 60));
        assertEquals(2, g.admittedCount());
        assertEquals(100, g.chargedTokens(), 1e-9);
    }

    @Test
    void oneTrajectoryLargerThanTheBudgetStillRunsAlone() {
        AdmissionGate g = new AdmissionGate(2);
        g.reset(10);
        assertTrue(g.tryAdmit(0, 50));
        assertFalse(g.tryAdmit(1, 1));
        g.release(0);
        assertEquals(0, g.chargedTokens());
        assertTrue(g.tryAdmit(1, 1));
    }

    @Test
    void rechargeFollowsPredictionsAndMayHoldNewOnesBack() {
        AdmissionGate g = new AdmissionGate(4);
        g.reset(100);
        g.tryAdmit(0, 30);
        g.tryAdmit(1, 30);
        g.recharge(0, 70);
        assertEquals(100, g.chargedTokens(), 1e-9);
        assertFalse(g.fits(1));
        g.recharge(1, 10);
        assertTrue(g.tryAdmit(2, 20));
        assertEquals(70, g.charge(0), 0);
        assertEquals(0, g.charge(3), 0);
    }

    @Test
    void badInputThrowsAndChangesNothing() {
        AdmissionGate g = new AdmissionGate(4);
        assertThrows(IllegalArgumentException.class, () -> g.reset(0));
        assertThrows(IllegalArgumentException.class, () -> g.reset(Double.NaN));
        g.reset(100);
        g.tryAdmit(0, 50);
        assertThrows(IllegalArgumentException.class, () -> g.tryAdmit(0, 10));
        assertThrows(IllegalArgumentException.class, () -> g.tryAdmit(4, 10));
        assertThrows(IllegalArgumentException.class, () -> g.tryAdmit(1, -1));
        assertThrows(IllegalArgumentException.class, () -> g.tryAdmit(1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> g.recharge(1, 10));
        assertThrows(IllegalArgumentException.class, () -> g.recharge(0, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> g.release(2));
        assertEquals(1, g.admittedCount());
        assertEquals(50, g.chargedTokens(), 0);
        assertEquals(100, g.budgetTokens(), 0);
    }

    @Test
    void gateAllocatesNothing() {
        AdmissionGate g = new AdmissionGate(1024);
        g.reset(1e6);
        SplittableRandom rnd = new SplittableRandom(3);
        AllocationProbe.assertZeroAllocation("admission gate ops", () -> {
            int id = rnd.nextInt(1024);
            if (!g.isAdmitted(id)) {
                g.tryAdmit(id, 1 + rnd.nextDouble(4e3));
            } else if (rnd.nextBoolean()) {
                g.recharge(id, 1 + rnd.nextDouble(4e3));
            } else {
                g.release(id);
            }
        });
    }
}

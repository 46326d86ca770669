package io.keel.core.jfr;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.keel.core.testing.AllocationProbe;
import jdk.jfr.EventType;
import jdk.jfr.Name;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The conventions of the jfr package: nothing allocated while disabled, fields read back when recording. */
class KeelEventConventionsTest {
    /** Every file a test writes goes here; JUnit deletes it afterwards. */
    @TempDir
    java.nio.file.Path tmp;

    @Name("keel.test.Probe")
    static final class ProbeEvent extends KeelEvent {
        int layer;
        long workNanos;
        double ratio;
    }

    private static final EventType PROBE = EventType.getEventType(ProbeEvent.class);
    private long sink;

    /** A kernel call that follows the convention. */
    private void kernelCall(int layer) {
        long t0 = System.nanoTime();
        sink += layer * 31L;
        if (PROBE.isEnabled()) {
            ProbeEvent e = new ProbeEvent();
            if (e.shouldCommit()) {
                e.layer = layer;
                e.workNanos = System.nanoTime() - t0;
                e.ratio = layer / 2.0;
                e.commit();
            }
        }
    }

    @Test
    void disabledPathAllocatesNothing() {
        assertFalse(PROBE.isEnabled(), "KeelEvent types are disabled unless a recording enables them");
        AllocationProbe.assertZeroAllocation("disabled JFR event", () -> kernelCall(3));
    }

    @Test
    void recordedEventsReadBack() throws Exception {
        Path file = tmp.resolve("keel-probe.jfr");
        try (Recording r = new Recording()) {
            r.enable("keel.test.Probe");
            r.start();
            for (int i = 0; i < 5; i++) {
                kernelCall(i);
            }
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("keel.test.Probe")).toList();
        assertEquals(5, events.size());
        assertEquals(4, events.get(4).getInt("layer"));
        assertEquals(2.0, events.get(4).getDouble("ratio"));
        assertEquals("keel", events.get(0).getEventType().getCategoryNames().get(0));
        Files.deleteIfExists(file);
    }
}

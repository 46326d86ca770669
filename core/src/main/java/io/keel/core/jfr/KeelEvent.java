package io.keel.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.StackTrace;

/**
 * Base of keel's JFR events: category "keel", no stack traces, enabled only when a recording
 * asks for it. See the package documentation for the conventions every event follows.
 */
@Category("keel")
@StackTrace(false)
@Enabled(false)
public abstract class KeelEvent extends Event {
    /** For subclasses. */
    protected KeelEvent() {
    }
}

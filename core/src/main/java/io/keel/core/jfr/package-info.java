/**
 * JFR conventions for keel kernels.
 *
 * <ul>
 *   <li>Events extend {@link io.keel.core.jfr.KeelEvent} and carry primitive fields only
 *       (ints, longs, doubles): no strings or arrays built on the hot path.</li>
 *   <li>A kernel holds its event's {@link jdk.jfr.EventType} in a static final field and checks
 *       {@code TYPE.isEnabled()} before it creates anything, so the path with no recording
 *       allocates nothing (measured in tests with the allocation probe).</li>
 *   <li>Durations are measured by the kernel itself with {@link java.lang.System#nanoTime()}
 *       and stored in a {@code long ...Nanos} field; the event is created, filled and committed
 *       after the work, guarded by {@link jdk.jfr.Event#shouldCommit()}.</li>
 *   <li>While a recording is on, one small event object per call is the accepted cost; JMH
 *       measures it ({@code -prof gc}) beside the disabled path.</li>
 * </ul>
 *
 * <pre>{@code
 * private static final EventType STEP = EventType.getEventType(BalancerStepEvent.class);
 * ...
 * long t0 = System.nanoTime();
 * plan(...);
 * if (STEP.isEnabled()) {
 *     BalancerStepEvent e = new BalancerStepEvent();
 *     if (e.shouldCommit()) { e.layer = layer; e.planNanos = System.nanoTime() - t0; e.commit(); }
 * }
 * }</pre>
 *
 * Record with {@code -XX:StartFlightRecording=filename=keel.jfr,settings=profile} plus
 * {@code +keel...} settings or {@code jfr configure}, and print with
 * {@code jfr print --events <EventName> keel.jfr}.
 */
package io.keel.core.jfr;

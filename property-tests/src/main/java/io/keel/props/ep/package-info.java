/**
 * Property tests of the expert-replication planners live in this package's test sources; this
 * main-source marker gives the module a classes folder, which the test compile's class path needs.
 */
package io.keel.props.ep;

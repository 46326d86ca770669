/**
 * Properties of the vector module (kernels, scans, experience retrieval) live in this package's
 * tests; this file also gives the module a main output directory, which javac's path lint wants.
 */
package io.keel.props.vector;

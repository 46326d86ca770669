/** Candidate selection for autoformalization: symbolic equivalence plus semantic consistency. */
package io.keel.vector.select;

/** SIMD similarity kernels (Panama Vector API with a scalar fallback), one-vs-many top-k scans, int8. */
package io.keel.vector;

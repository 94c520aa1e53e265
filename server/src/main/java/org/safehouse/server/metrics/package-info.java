/**
 * Operator metrics without metadata: the {@link org.safehouse.server.metrics.RelayMetrics} the
 * transport and services report to (no Prometheus types), and, in {@code metrics.prometheus}, its
 * Prometheus implementation and the loopback HTTP endpoint that serves it.
 */
package org.safehouse.server.metrics;

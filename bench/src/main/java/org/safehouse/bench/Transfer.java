package org.safehouse.bench;

/** One timed transfer of a file: its wall time and the CPU time the serving process spent. */
record Transfer(long nanos, long serverCpuNanos) {

  double mbPerSecond(double megabytes) {
    return megabytes / (nanos / 1e9);
  }

  double serverCpuMsPerMb(double megabytes) {
    return serverCpuNanos / 1e6 / megabytes;
  }
}

#ifndef SVLEDGER_BENCH_LATENCY_H_
#define SVLEDGER_BENCH_LATENCY_H_

#include <cstdint>
#include <vector>

namespace svledger::bench {

// The `p` quantile (0-1) of latencies in microseconds, in milliseconds.
// REQUIRES: `sorted` is sorted. 0 when it is empty.
inline double PercentileMs(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<size_t>(p * (sorted.size() - 1))] / 1000.0;
}

}  // namespace svledger::bench

#endif  // SVLEDGER_BENCH_LATENCY_H_

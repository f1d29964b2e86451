#ifndef SVLEDGER_COMMON_RANDOM_H_
#define SVLEDGER_COMMON_RANDOM_H_

#include <cstdint>
#include <random>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace svledger {

// A source of random 64-bit words, injected wherever randomness is needed
// (event ids, jitter) so tests can make it deterministic. Thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual uint64_t Next64() = 0;

  // Seeded from the operating system. Never null; never deleted.
  static RandomSource* Real();
};

// A deterministic source for tests. Thread-safe.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  uint64_t Next64() override;

 private:
  absl::Mutex mu_;
  std::mt19937_64 engine_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger

#endif  // SVLEDGER_COMMON_RANDOM_H_

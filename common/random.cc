#include "common/random.h"

#include "absl/random/random.h"

namespace svledger {
namespace {

class OsRandom final : public RandomSource {
 public:
  uint64_t Next64() override {
    absl::MutexLock lock(&mu_);
    return absl::Uniform<uint64_t>(gen_);
  }

 private:
  absl::Mutex mu_;
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

RandomSource* RandomSource::Real() {
  static OsRandom* source = new OsRandom;
  return source;
}

uint64_t SeededRandom::Next64() {
  absl::MutexLock lock(&mu_);
  return engine_();
}

}  // namespace svledger

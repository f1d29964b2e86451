#include "common/clock.h"

#include "absl/time/clock.h"

namespace svledger {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock;
  return clock;
}

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::Set(absl::Time t) {
  absl::MutexLock lock(&mu_);
  now_ = t;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

absl::Time SettableClock::Now() const {
  {
    absl::MutexLock lock(&mu_);
    if (set_) return now_;
  }
  return base_->Now();
}

void SettableClock::Set(absl::Time t) {
  absl::MutexLock lock(&mu_);
  set_ = true;
  now_ = t;
}

void SettableClock::Release() {
  absl::MutexLock lock(&mu_);
  set_ = false;
}

}  // namespace svledger

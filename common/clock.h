#ifndef SVLEDGER_COMMON_CLOCK_H_
#define SVLEDGER_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace svledger {

// The source of "now" for everything that records or judges time. Injected so
// that behaviour over months is testable in milliseconds.
// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide wall clock. Never null; never deleted.
  static Clock* Real();
};

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}

  absl::Time Now() const override;
  void Set(absl::Time t);
  void Advance(absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// A clock that tells a set time while one is set and `base`'s time
// otherwise: the server's clock, so that the demo's history is written at
// the dates it would have happened (Set before each step, Release before
// serving). Set may move time backwards; keeping recorded times ordered is
// the caller's business. Thread-safe; `base` must outlive it.
class SettableClock final : public Clock {
 public:
  explicit SettableClock(Clock* base) : base_(base) {}

  absl::Time Now() const override;
  // From now on Now() returns `t`, until the next Set or Release.
  void Set(absl::Time t);
  // From now on Now() returns base's time again.
  void Release();

 private:
  Clock* const base_;
  mutable absl::Mutex mu_;
  bool set_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace svledger

#endif  // SVLEDGER_COMMON_CLOCK_H_

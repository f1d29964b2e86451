#ifndef SVLEDGER_TESTS_TESTING_WAIT_H_
#define SVLEDGER_TESTS_TESTING_WAIT_H_

#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace svledger::testing {

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. For conditions no notification tells about (another process, a
// server's side effects); prefer a real notification where one exists.
inline bool WaitUntil(const std::function<bool()>& condition,
                      absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration backoff = absl::Milliseconds(1);
  while (!condition()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(50));
  }
  return true;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_WAIT_H_

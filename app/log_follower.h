#ifndef SVLEDGER_APP_LOG_FOLLOWER_H_
#define SVLEDGER_APP_LOG_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"

namespace svledger::app {

// Keeps an in-memory view current with what other writers of the same log
// append: a thread that, every `interval`, looks at the log's head (an
// atomic load) and calls `catch_up` when it moved since the last catch-up
// that succeeded. A failed catch-up is tried again at the next interval
// and reported to `on_failure` (for metrics; may be null).
//
// Thread-safe. The store and both functions must outlive it; `catch_up`
// runs on the follower's thread, one call at a time.
class LogFollower {
 public:
  // Starts following from `seen`: the head read before the view's own
  // first catch-up, so anything appended meanwhile is caught up.
  LogFollower(const eventstore::EventStore* store, absl::Duration interval,
              uint64_t seen, std::string thread_name,
              std::function<absl::Status()> catch_up,
              std::function<void()> on_failure);

  // Stops the thread.
  ~LogFollower();

 private:
  void Run(uint64_t seen);

  const eventstore::EventStore* const store_;
  const absl::Duration interval_;
  const std::function<absl::Status()> catch_up_;
  const std::function<void()> on_failure_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_LOG_FOLLOWER_H_

#ifndef SVLEDGER_EVENTSTORE_HEAD_WATCHER_H_
#define SVLEDGER_EVENTSTORE_HEAD_WATCHER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace svledger::eventstore {

// Tracks a position that only moves forward, such as the log's durable head
// (the position of the last durable event) or the position a projection has
// applied, and tells those who wait for a position when the head reaches it.
// This is what makes subscriptions live: a subscriber that has caught up asks
// to be told when the next position exists.
//
// Thread-safe. Owns one thread on which asynchronous notifications run.
class HeadWatcher {
 public:
  using Callback = absl::AnyInvocable<void() &&>;
  // Told whether the position was reached (true) or the deadline came first.
  using TimedCallback = absl::AnyInvocable<void(bool reached) &&>;

  explicit HeadWatcher(uint64_t initial_head);
  // Stops the notification thread; callbacks not yet run are destroyed unrun.
  ~HeadWatcher();

  HeadWatcher(const HeadWatcher&) = delete;
  HeadWatcher& operator=(const HeadWatcher&) = delete;

  // The last durable position (0 for an empty log). Lock-free.
  uint64_t head() const { return head_.load(std::memory_order_acquire); }

  // Moves the head forward. REQUIRES: head >= the current head; called only
  // after the events up to `head` are durable and readable.
  void Publish(uint64_t head);

  // Blocks until head() >= position, the deadline passes, or Stop() is
  // called. Returns whether head() >= position.
  bool WaitFor(uint64_t position, absl::Time deadline);

  // Runs `fn` on the watcher's thread once head() >= position (soon, if it
  // already is). `fn` must not block: it delays every other notification.
  // After Stop(), `fn` is destroyed unrun.
  void NotifyAt(uint64_t position, Callback fn);

  // Runs `fn(true)` on the watcher's thread once head() >= position, or
  // `fn(false)` once `deadline` (real time) passes first: a bounded wait
  // that blocks no one. Same rules for `fn` as above.
  void NotifyAt(uint64_t position, absl::Time deadline, TimedCallback fn);

  // Callbacks waiting to run (for metrics and tests).
  size_t waiting() const;

  // Wakes every blocked WaitFor, drops pending callbacks and joins the
  // thread. Idempotent.
  void Stop();

 private:
  void Run();

  std::atomic<uint64_t> head_;
  mutable absl::Mutex mu_;
  uint64_t published_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  struct Waiter {
    absl::Time deadline;
    TimedCallback fn;
  };
  std::multimap<uint64_t, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
  // The finite deadlines among waiters_, so the thread knows when to wake.
  std::multiset<absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_HEAD_WATCHER_H_

#ifndef SVLEDGER_EVENTSTORE_HEAD_WATCHER_H_
#define SVLEDGER_EVENTSTORE_HEAD_WATCHER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
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

  // Names one pending callback, for Cancel. Never reused; 0 names none.
  using WaitId = uint64_t;

  // Runs `fn` on the watcher's thread once head() >= position (soon, if it
  // already is). `fn` must not block: it delays every other notification.
  // After Stop(), `fn` is destroyed unrun.
  WaitId NotifyAt(uint64_t position, Callback fn);

  // Runs `fn(true)` on the watcher's thread once head() >= position, or
  // `fn(false)` once `deadline` (real time) passes first: a bounded wait
  // that blocks no one. Same rules for `fn` as above.
  WaitId NotifyAt(uint64_t position, absl::Time deadline, TimedCallback fn);

  // Destroys the callback `id` unrun if it has not run yet: a waiter that
  // has gone (a cancelled stream) must not stay registered until the head
  // reaches its position. Returns whether it was still waiting. Never calls
  // the callback, and destroys it on the calling thread outside the lock.
  bool Cancel(WaitId id);

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
  // The finite deadlines, earliest first, each naming its waiter.
  using Deadlines = std::multimap<absl::Time, WaitId>;
  struct Waiter {
    TimedCallback fn;
    WaitId id;
    // Its entry in deadlines_, or deadlines_.end() for none.
    Deadlines::iterator deadline;
  };
  using Waiters = std::multimap<uint64_t, Waiter>;
  // Removes `it` from waiters_ and its indexes; returns its callback.
  TimedCallback Take(Waiters::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Waiters waiters_ ABSL_GUARDED_BY(mu_);
  // Each waiter by id (multimap iterators stay valid across other changes).
  absl::flat_hash_map<WaitId, Waiters::iterator> by_id_ ABSL_GUARDED_BY(mu_);
  WaitId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // The finite deadlines among waiters_, so the thread knows when to wake
  // and expires only the waiters whose deadline came (not a scan of all).
  Deadlines deadlines_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_HEAD_WATCHER_H_

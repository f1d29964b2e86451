#ifndef SVLEDGER_EVENTSTORE_HANDOFF_QUEUE_H_
#define SVLEDGER_EVENTSTORE_HANDOFF_QUEUE_H_

#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace svledger::eventstore {

// Passes work from one pipeline stage's thread to the next's, in order.
// The consumer takes everything queued at once, which is what lets a stage
// batch (one fsync for every write before it). Thread-safe.
template <typename T>
class HandoffQueue {
 public:
  void Push(T item) {
    absl::MutexLock lock(&mu_);
    items_.push_back(std::move(item));
  }

  // No more pushes will come; TakeAll drains what is left, then says so.
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }

  // Blocks until something is queued or the queue is closed; moves all of it
  // into `out`. Returns false once the queue is closed and empty.
  bool TakeAll(std::deque<T>& out) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !items_.empty() || closed_;
    };
    mu_.Await(absl::Condition(&ready));
    if (items_.empty()) return false;
    out.swap(items_);
    items_.clear();
    return true;
  }

 private:
  absl::Mutex mu_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace svledger::eventstore

#endif  // SVLEDGER_EVENTSTORE_HANDOFF_QUEUE_H_

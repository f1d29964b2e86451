#ifndef SVLEDGER_COMMON_WORKER_POOL_H_
#define SVLEDGER_COMMON_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace svledger {

// A fixed number of threads running submitted tasks in order of
// submission, with a bounded queue: what runs on it cannot take more than
// its threads, however many callers ask at once (admission control), and a
// caller that finds the queue full is told so at once instead of waiting.
//
// Thread-safe.
class WorkerPool {
 public:
  // Starts `threads` (at least 1) threads named `name` (at most 15
  // characters shown), queueing at most `max_queued` tasks. `nice` above 0
  // runs them at a lower scheduling priority (Linux thread nice value), for
  // background work that must yield the CPU to answering calls.
  WorkerPool(std::string name, size_t threads, size_t max_queued, int nice = 0);
  // Stop()s.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  using Task = absl::AnyInvocable<void() &&>;

  // Queues `task` to run on one of the threads. Returns false, leaving
  // `task` with the caller, if max_queued tasks are waiting or the pool has
  // stopped.
  bool Submit(Task& task);

  // Tasks waiting for a thread.
  size_t queued() const;

  // Runs no more tasks: those still queued are destroyed unrun (so a task
  // that owes someone an answer must give one from its destructor), and the
  // threads are joined. Idempotent.
  void Stop();

 private:
  void Run();

  const size_t max_queued_;
  mutable absl::Mutex mu_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace svledger

#endif  // SVLEDGER_COMMON_WORKER_POOL_H_

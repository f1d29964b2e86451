#include "common/worker_pool.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace svledger {

WorkerPool::WorkerPool(std::string name, size_t threads, size_t max_queued,
                       int nice)
    : max_queued_(max_queued) {
  name.resize(std::min<size_t>(name.size(), 15));
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i) {
    threads_.emplace_back([this, name, nice] {
      pthread_setname_np(pthread_self(), name.c_str());
      // On Linux a nice value is a thread's own. Lowering one's priority is
      // always allowed; should it fail, the pool still works, only without
      // yielding, so it is said once and not fatal.
      if (nice > 0 &&
          setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)),
                      nice) != 0) {
        std::fprintf(stderr, "svledger: %s threads keep their priority: %s\n",
                     name.c_str(), std::strerror(errno));
      }
      Run();
    });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::Submit(Task& task) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= max_queued_) return false;
  queue_.push_back(std::move(task));
  return true;
}

size_t WorkerPool::queued() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void WorkerPool::Stop() {
  std::deque<Task> dropped;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    dropped.swap(queue_);
  }
  for (std::thread& t : threads_) t.join();
  // `dropped` is destroyed here, outside the lock.
}

void WorkerPool::Run() {
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace svledger

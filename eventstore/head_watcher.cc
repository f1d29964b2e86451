#include "eventstore/head_watcher.h"

#include <pthread.h>

#include <vector>

#include "absl/time/clock.h"

namespace svledger::eventstore {

HeadWatcher::HeadWatcher(uint64_t initial_head)
    : head_(initial_head), published_(initial_head) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "svl-heads");
    Run();
  });
}

HeadWatcher::~HeadWatcher() { Stop(); }

void HeadWatcher::Publish(uint64_t head) {
  absl::MutexLock lock(&mu_);
  if (head <= published_) return;
  published_ = head;
  head_.store(head, std::memory_order_release);
}

bool HeadWatcher::WaitFor(uint64_t position, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, position]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return published_ >= position || stopping_;
  };
  mu_.AwaitWithDeadline(absl::Condition(&ready), deadline);
  return published_ >= position;
}

void HeadWatcher::NotifyAt(uint64_t position, Callback fn) {
  NotifyAt(position, absl::InfiniteFuture(),
           [fn = std::move(fn)](bool) mutable { std::move(fn)(); });
}

void HeadWatcher::NotifyAt(uint64_t position, absl::Time deadline,
                           TimedCallback fn) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  waiters_.emplace(position, Waiter{deadline, std::move(fn)});
  if (deadline != absl::InfiniteFuture()) deadlines_.insert(deadline);
}

size_t HeadWatcher::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

void HeadWatcher::Stop() {
  std::multimap<uint64_t, Waiter> dropped;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    dropped.swap(waiters_);
    deadlines_.clear();
  }
  if (thread_.joinable()) thread_.join();
}

void HeadWatcher::Run() {
  while (true) {
    std::vector<TimedCallback> reached;
    std::vector<TimedCallback> expired;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time wake =
          deadlines_.empty() ? absl::InfiniteFuture() : *deadlines_.begin();
      // Also wakes when a waiter with an earlier deadline arrives, to wait
      // for that one instead.
      auto has_work = [this, wake]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ ||
               (!waiters_.empty() && waiters_.begin()->first <= published_) ||
               (!deadlines_.empty() && *deadlines_.begin() < wake);
      };
      mu_.AwaitWithDeadline(absl::Condition(&has_work), wake);
      if (stopping_) return;
      auto end = waiters_.upper_bound(published_);
      for (auto it = waiters_.begin(); it != end; ++it) {
        if (it->second.deadline != absl::InfiniteFuture()) {
          deadlines_.erase(deadlines_.find(it->second.deadline));
        }
        reached.push_back(std::move(it->second.fn));
      }
      waiters_.erase(waiters_.begin(), end);
      const absl::Time now = absl::Now();
      if (!deadlines_.empty() && *deadlines_.begin() <= now) {
        for (auto it = waiters_.begin(); it != waiters_.end();) {
          if (it->second.deadline <= now) {
            deadlines_.erase(deadlines_.find(it->second.deadline));
            expired.push_back(std::move(it->second.fn));
            it = waiters_.erase(it);
          } else {
            ++it;
          }
        }
      }
    }
    for (TimedCallback& fn : reached) std::move(fn)(true);
    for (TimedCallback& fn : expired) std::move(fn)(false);
  }
}

}  // namespace svledger::eventstore

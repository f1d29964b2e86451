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

HeadWatcher::WaitId HeadWatcher::NotifyAt(uint64_t position, Callback fn) {
  return NotifyAt(position, absl::InfiniteFuture(),
                  [fn = std::move(fn)](bool) mutable { std::move(fn)(); });
}

HeadWatcher::WaitId HeadWatcher::NotifyAt(uint64_t position,
                                          absl::Time deadline,
                                          TimedCallback fn) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return 0;
  const WaitId id = next_id_++;
  const Deadlines::iterator expiry = deadline == absl::InfiniteFuture()
                                         ? deadlines_.end()
                                         : deadlines_.emplace(deadline, id);
  by_id_[id] = waiters_.emplace(position, Waiter{std::move(fn), id, expiry});
  return id;
}

HeadWatcher::TimedCallback HeadWatcher::Take(Waiters::iterator it) {
  if (it->second.deadline != deadlines_.end()) {
    deadlines_.erase(it->second.deadline);
  }
  by_id_.erase(it->second.id);
  TimedCallback fn = std::move(it->second.fn);
  waiters_.erase(it);
  return fn;
}

bool HeadWatcher::Cancel(WaitId id) {
  TimedCallback dropped;  // destroyed after `lock` is released
  absl::MutexLock lock(&mu_);
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return false;
  dropped = Take(found->second);
  return true;
}

size_t HeadWatcher::waiting() const {
  absl::MutexLock lock(&mu_);
  return waiters_.size();
}

void HeadWatcher::Stop() {
  Waiters dropped;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    dropped.swap(waiters_);
    deadlines_.clear();
    by_id_.clear();
  }
  if (thread_.joinable()) thread_.join();
}

void HeadWatcher::Run() {
  while (true) {
    std::vector<TimedCallback> reached;
    std::vector<TimedCallback> expired;
    {
      absl::MutexLock lock(&mu_);
      const absl::Time wake = deadlines_.empty() ? absl::InfiniteFuture()
                                                 : deadlines_.begin()->first;
      // Also wakes when a waiter with an earlier deadline arrives, to wait
      // for that one instead.
      auto has_work = [this, wake]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ ||
               (!waiters_.empty() && waiters_.begin()->first <= published_) ||
               (!deadlines_.empty() && deadlines_.begin()->first < wake);
      };
      mu_.AwaitWithDeadline(absl::Condition(&has_work), wake);
      if (stopping_) return;
      while (!waiters_.empty() && waiters_.begin()->first <= published_) {
        reached.push_back(Take(waiters_.begin()));
      }
      const absl::Time now = absl::Now();
      while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
        expired.push_back(Take(by_id_.at(deadlines_.begin()->second)));
      }
    }
    for (TimedCallback& fn : reached) std::move(fn)(true);
    for (TimedCallback& fn : expired) std::move(fn)(false);
  }
}

}  // namespace svledger::eventstore

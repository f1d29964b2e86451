#include "eventstore/head_watcher.h"

#include <pthread.h>

#include <vector>

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
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  waiters_.emplace(position, std::move(fn));
}

void HeadWatcher::Stop() {
  std::multimap<uint64_t, Callback> dropped;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    dropped.swap(waiters_);
  }
  if (thread_.joinable()) thread_.join();
}

void HeadWatcher::Run() {
  while (true) {
    std::vector<Callback> due;
    {
      absl::MutexLock lock(&mu_);
      auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ ||
               (!waiters_.empty() && waiters_.begin()->first <= published_);
      };
      mu_.Await(absl::Condition(&has_work));
      if (stopping_) return;
      auto end = waiters_.upper_bound(published_);
      for (auto it = waiters_.begin(); it != end; ++it) {
        due.push_back(std::move(it->second));
      }
      waiters_.erase(waiters_.begin(), end);
    }
    for (Callback& fn : due) std::move(fn)();
  }
}

}  // namespace svledger::eventstore

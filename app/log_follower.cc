#include "app/log_follower.h"

#include <pthread.h>

#include <utility>

namespace svledger::app {

LogFollower::LogFollower(const eventstore::EventStore* store,
                         absl::Duration interval, uint64_t seen,
                         std::string thread_name,
                         std::function<absl::Status()> catch_up,
                         std::function<void()> on_failure)
    : store_(store),
      interval_(interval),
      catch_up_(std::move(catch_up)),
      on_failure_(std::move(on_failure)) {
  thread_ = std::thread([this, seen, name = std::move(thread_name)] {
    pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
    Run(seen);
  });
}

LogFollower::~LogFollower() {
  stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

void LogFollower::Run(uint64_t seen) {
  while (!stop_.WaitForNotificationWithTimeout(interval_)) {
    const uint64_t head = store_->HeadPosition();
    if (head == seen) continue;
    if (catch_up_().ok()) {
      seen = head;
    } else if (on_failure_) {
      on_failure_();  // tried again at the next interval
    }
  }
}

}  // namespace svledger::app

#include "services/applied_wait.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

// Finishes a unary call exactly once; with UNAVAILABLE if it is destroyed
// before anyone did (a wait dropped at shutdown).
class UnaryFinisher {
 public:
  explicit UnaryFinisher(grpc::ServerUnaryReactor* reactor)
      : reactor_(reactor) {}
  ~UnaryFinisher() {
    if (reactor_ != nullptr) {
      reactor_->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    "server is shutting down"));
    }
  }
  UnaryFinisher(const UnaryFinisher&) = delete;
  UnaryFinisher& operator=(const UnaryFinisher&) = delete;

  void Finish(const absl::Status& status) {
    std::exchange(reactor_, nullptr)->Finish(ToGrpcStatus(status));
  }

 private:
  grpc::ServerUnaryReactor* reactor_;
};

}  // namespace

AppliedWait::AppliedWait(eventstore::HeadWatcher* applied,
                         AppliedWaitOptions options)
    : applied_(applied), options_(options) {}

absl::Time AppliedWait::Deadline(
    const grpc::CallbackServerContext* context) const {
  absl::Time deadline = absl::Now() + options_.max_wait;
  const auto client = context->deadline();
  if (client != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(client));
  }
  return deadline;
}

bool AppliedWait::StartWait(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  size_t& pending = waiting_[principal];
  if (pending >= options_.max_waits_per_principal) return false;
  ++pending;
  return true;
}

void AppliedWait::EndWait(const std::string& principal) {
  absl::MutexLock lock(&mu_);
  auto it = waiting_.find(principal);
  if (it != waiting_.end() && --it->second == 0) waiting_.erase(it);
}

namespace {

// Runs `task` on `pool`, or here if there is none. A full pool is reported
// by finishing the call RESOURCE_EXHAUSTED (the task is dropped: its
// finisher was moved out first).
// `hold` is released once the task is done (or dropped).
void RunOn(WorkerPool* pool, std::shared_ptr<UnaryFinisher> finisher,
           absl::AnyInvocable<absl::Status()> answer,
           std::shared_ptr<void> hold = nullptr) {
  WorkerPool::Task task = [finisher, answer = std::move(answer),
                           hold = std::move(hold)]() mutable {
    finisher->Finish(answer());
    hold.reset();
  };
  if (pool == nullptr) {
    std::move(task)();
    return;
  }
  if (!pool->Submit(task)) {
    finisher->Finish(absl::ResourceExhaustedError(
        "the server is busy with expensive queries; retry shortly"));
  }
}

}  // namespace

uint64_t AppliedWait::Target(uint64_t min_position, bool latest) const {
  if (!latest || options_.log == nullptr) return min_position;
  return std::max(min_position, options_.log->head());
}

grpc::ServerUnaryReactor* AppliedWait::Answer(
    grpc::CallbackServerContext* context, const std::string& principal,
    uint64_t min_position, Lane lane,
    absl::AnyInvocable<absl::Status()> answer) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  WorkerPool* const runner = lane == Lane::kScan && options_.scans != nullptr
                                 ? options_.scans
                                 : options_.answers;
  if (min_position <= applied_->head()) {
    if (lane == Lane::kPoint || options_.scans == nullptr) {
      reactor->Finish(ToGrpcStatus(answer()));
    } else {
      RunOn(options_.scans, std::make_shared<UnaryFinisher>(reactor),
            std::move(answer));
    }
    return reactor;
  }
  if (!StartWait(principal)) {
    reactor->Finish(ToGrpcStatus(absl::ResourceExhaustedError(
        absl::StrCat("min_position: at most ", options_.max_waits_per_principal,
                     " waits pending per caller"))));
    return reactor;
  }
  auto finisher = std::make_shared<UnaryFinisher>(reactor);
  // Ends the principal's wait however the callback goes: run, expired or
  // dropped at shutdown.
  auto ended = std::shared_ptr<void>(
      nullptr, [this, principal](void*) { EndWait(principal); });
  applied_->NotifyAt(
      min_position, Deadline(context),
      [finisher, ended, runner, answer = std::move(answer),
       min_position](bool reached) mutable {
        if (!reached) {
          finisher->Finish(absl::DeadlineExceededError(
              absl::StrCat("min_position: position ", min_position,
                           " was not applied in time")));
          return;
        }
        // The notification thread only hands the answer on; the wait
        // counts against the principal until the answer is given.
        RunOn(runner, std::move(finisher), std::move(answer), std::move(ended));
      });
  return reactor;
}

}  // namespace svledger::services

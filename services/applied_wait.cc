#include "services/applied_wait.h"

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

absl::Time AppliedWait::Deadline(
    const grpc::CallbackServerContext* context) const {
  absl::Time deadline = absl::Now() + max_wait_;
  const auto client = context->deadline();
  if (client != std::chrono::system_clock::time_point::max()) {
    deadline = std::min(deadline, absl::FromChrono(client));
  }
  return deadline;
}

grpc::ServerUnaryReactor* AppliedWait::Answer(
    grpc::CallbackServerContext* context, uint64_t min_position,
    absl::AnyInvocable<absl::Status()> answer) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (min_position <= applied_->head()) {
    reactor->Finish(ToGrpcStatus(answer()));
    return reactor;
  }
  auto finisher = std::make_unique<UnaryFinisher>(reactor);
  applied_->NotifyAt(
      min_position, Deadline(context),
      [finisher = std::move(finisher), answer = std::move(answer),
       min_position](bool reached) mutable {
        if (!reached) {
          finisher->Finish(absl::DeadlineExceededError(
              absl::StrCat("min_position: position ", min_position,
                           " was not applied in time")));
          return;
        }
        finisher->Finish(answer());
      });
  return reactor;
}

}  // namespace svledger::services

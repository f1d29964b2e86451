#include "services/watch_reactor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"

namespace svledger::services {

std::shared_ptr<WatchReactor> WatchReactor::Start(
    ProgressService* service, const app::ProgressQueries* queries,
    app::Caller caller, std::string contract_id, uint64_t min_position,
    absl::Time deadline) {
  auto reactor = std::make_shared<WatchReactor>(
      service, queries, std::move(caller), std::move(contract_id));
  reactor->self_ = reactor;
  std::weak_ptr<WatchReactor> weak = reactor;
  reactor->listener_ = queries->WatchContract(reactor->contract_id_, [weak] {
    if (std::shared_ptr<WatchReactor> r = weak.lock()) r->Changed();
  });
  queries->applied().NotifyAt(
      min_position, deadline, [weak, min_position](bool reached) {
        std::shared_ptr<WatchReactor> r = weak.lock();
        if (r == nullptr) return;
        {
          absl::MutexLock lock(&r->mu_);
          if (!reached) {
            r->FinishLocked(grpc::Status(
                grpc::StatusCode::DEADLINE_EXCEEDED,
                absl::StrCat("min_position: position ", min_position,
                             " was not applied in time")));
            return;
          }
          r->started_ = true;
        }
        r->Changed();  // the first view
      });
  return reactor;
}

WatchReactor::WatchReactor(ProgressService* service,
                           const app::ProgressQueries* queries,
                           app::Caller caller, std::string contract_id)
    : service_(service),
      queries_(queries),
      caller_(std::move(caller)),
      contract_id_(std::move(contract_id)) {}

void WatchReactor::Changed() {
  absl::MutexLock lock(&mu_);
  if (!started_ || finished_) return;
  if (writing_) {
    stale_ = true;
    return;
  }
  stale_ = false;
  absl::StatusOr<v1::ContractProgress> view =
      queries_->CurrentProgress(caller_, contract_id_);
  if (!view.ok()) {
    FinishLocked(ToGrpcStatus(view.status()));
    return;
  }
  v1::ContractProgress comparable = *view;
  comparable.clear_as_of();
  comparable.clear_position();
  std::string bytes = comparable.SerializeAsString();
  if (bytes == last_sent_) return;
  last_sent_ = std::move(bytes);
  response_ = *std::move(view);
  writing_ = true;
  StartWrite(&response_);
}

void WatchReactor::Stop(const grpc::Status& status) {
  absl::MutexLock lock(&mu_);
  if (writing_) {
    stop_requested_ = true;
    stop_status_ = status;
    return;
  }
  FinishLocked(status);
}

void WatchReactor::OnWriteDone(bool ok) {
  bool resend = false;
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
    } else if (stop_requested_) {
      FinishLocked(stop_status_);
    } else {
      resend = stale_;
    }
  }
  if (resend) Changed();
}

void WatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  if (writing_) {
    stop_requested_ = true;
    stop_status_ = grpc::Status::CANCELLED;
    return;
  }
  FinishLocked(grpc::Status::CANCELLED);
}

void WatchReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void WatchReactor::OnDone() {
  queries_->StopWatching(listener_);
  service_->Forget(this);
  self_.reset();  // may delete this
}

}  // namespace svledger::services

#include "services/progress_service.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/grpc_status.h"
#include "services/watch_reactor.h"

namespace svledger::services {
ProgressService::ProgressService(const app::ProgressQueries* queries,
                                 AppliedWaitOptions wait,
                                 const CallAuthenticator* auth,
                                 LogStreamLimits limits)
    : queries_(queries),
      auth_(auth),
      wait_(&queries->applied(), wait),
      limits_(limits) {
  Guard("GetContractProgress", &ProgressService::GetContractProgress,
        kMaxQueryRequestBytes);
  Guard("ListContracts", &ProgressService::ListContracts,
        kMaxQueryRequestBytes);
  Guard("GetCouncilSummary", &ProgressService::GetCouncilSummary,
        kMaxQueryRequestBytes);
  Guard("GetSupplierScorecard", &ProgressService::GetSupplierScorecard,
        kMaxQueryRequestBytes);
  Guard("WatchContract", &ProgressService::WatchContract,
        kMaxQueryRequestBytes);
  Guard("ListFrameworks", &ProgressService::ListFrameworks,
        kMaxQueryRequestBytes);
  Guard("GetFramework", &ProgressService::GetFramework, kMaxQueryRequestBytes);
  Guard("ListDeliveries", &ProgressService::ListDeliveries,
        kMaxQueryRequestBytes);
}

ProgressService::~ProgressService() { StopWatches(); }

grpc::ServerUnaryReactor* ProgressService::GetContractProgress(
    grpc::CallbackServerContext* context,
    const v1::GetContractProgressRequest* request,
    v1::ContractProgress* response) {
  return AnswerFor(
      context, *auth_, wait_, wait_.ReadAfter(*request), response,
      [this, request](const app::Caller& caller) {
        return queries_->ContractProgress(caller, *request);
      },
      // As of a date, it replays the contract's stream.
      request->has_as_of() ? Lane::kScan : Lane::kPoint);
}

grpc::ServerUnaryReactor* ProgressService::ListContracts(
    grpc::CallbackServerContext* context,
    const v1::ListContractsRequest* request,
    v1::ListContractsResponse* response) {
  return AnswerFor(
      context, *auth_, wait_, wait_.ReadAfter(*request), response,
      [this, request](const app::Caller& caller) {
        return queries_->ListContracts(caller, *request);
      },
      Lane::kScan);
}

grpc::ServerUnaryReactor* ProgressService::ListDeliveries(
    grpc::CallbackServerContext* context,
    const v1::ListDeliveriesRequest* request,
    v1::ListDeliveriesResponse* response) {
  return AnswerFor(
      context, *auth_, wait_, wait_.ReadAfter(*request), response,
      [this, request](const app::Caller& caller) {
        return queries_->ListDeliveries(caller, *request);
      },
      Lane::kScan);
}

grpc::ServerUnaryReactor* ProgressService::GetCouncilSummary(
    grpc::CallbackServerContext* context,
    const v1::GetCouncilSummaryRequest* request, v1::CouncilSummary* response) {
  return AnswerFor(
      context, *auth_, wait_, wait_.ReadAfter(*request), response,
      [this, request](const app::Caller& caller) {
        return queries_->CouncilSummary(caller, *request);
      },
      Lane::kScan);
}

grpc::ServerUnaryReactor* ProgressService::GetSupplierScorecard(
    grpc::CallbackServerContext* context,
    const v1::GetSupplierScorecardRequest* request,
    v1::SupplierScorecard* response) {
  return AnswerFor(
      context, *auth_, wait_, wait_.ReadAfter(*request), response,
      [this, request](const app::Caller& caller) {
        return queries_->SupplierScorecard(caller, *request);
      },
      Lane::kScan);
}

grpc::ServerUnaryReactor* ProgressService::ListFrameworks(
    grpc::CallbackServerContext* context,
    const v1::ListFrameworksRequest* request,
    v1::ListFrameworksResponse* response) {
  return AnswerFor(context, *auth_, wait_, 0, response,
                   [this](const app::Caller& caller) {
                     return queries_->ListFrameworks(caller);
                   });
}

grpc::ServerUnaryReactor* ProgressService::GetFramework(
    grpc::CallbackServerContext* context,
    const v1::GetFrameworkRequest* request,
    v1::GetFrameworkResponse* response) {
  return AnswerFor(context, *auth_, wait_, 0, response,
                   [this, request](const app::Caller& caller) {
                     return queries_->GetFramework(caller, *request);
                   });
}

grpc::ServerWriteReactor<v1::ContractProgress>* ProgressService::WatchContract(
    grpc::CallbackServerContext* context,
    const v1::WatchContractRequest* request) {
  absl::StatusOr<app::Caller> caller = auth_->Authenticate(*context);
  using Refused = RefusedStream<v1::ContractProgress>;
  if (!caller.ok()) return new Refused(ToGrpcStatus(caller.status()));
  if (absl::Status s = queries_->CheckWatch(*caller, request->contract_id());
      !s.ok()) {
    return new Refused(ToGrpcStatus(s));
  }
  const std::string principal = caller->actor;
  grpc::Status refused;
  {
    // A slot is taken before the watch starts, so that callers racing for
    // the last one cannot all have it.
    absl::MutexLock lock(&mu_);
    size_t& mine = per_principal_[principal];
    if (opened_ >= limits_.max_streams) {
      refused = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("at most ", limits_.max_streams, " watches at once"));
    } else if (mine >= limits_.max_streams_per_principal) {
      refused = grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("at most ", limits_.max_streams_per_principal,
                       " watches at once per caller"));
    } else {
      ++mine;
      ++opened_;
    }
    if (mine == 0) per_principal_.erase(principal);
  }
  if (!refused.ok()) return new Refused(refused);
  std::shared_ptr<WatchReactor> reactor = WatchReactor::Start(
      this, queries_, *std::move(caller), request->contract_id(),
      request->min_position(), wait_.Deadline(context));
  bool stop_now = false;
  {
    absl::MutexLock lock(&mu_);
    watches_[reactor.get()] = {reactor, principal};
    stop_now = stopping_;
  }
  if (stop_now) {
    reactor->Stop(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "server is shutting down"));
  }
  return reactor.get();
}

void ProgressService::StopWatches() {
  std::vector<std::shared_ptr<WatchReactor>> open;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [ptr, watch] : watches_) {
      if (auto strong = watch.reactor.lock()) open.push_back(std::move(strong));
    }
  }
  for (auto& reactor : open) {
    reactor->Stop(
        grpc::Status(grpc::StatusCode::UNAVAILABLE, "server is shutting down"));
  }
}

size_t ProgressService::watch_count() const {
  absl::MutexLock lock(&mu_);
  return watches_.size();
}

void ProgressService::Forget(const WatchReactor* reactor) {
  absl::MutexLock lock(&mu_);
  auto it = watches_.find(reactor);
  if (it == watches_.end()) return;
  auto mine = per_principal_.find(it->second.principal);
  if (mine != per_principal_.end() && --mine->second == 0) {
    per_principal_.erase(mine);
  }
  --opened_;
  watches_.erase(it);
}

}  // namespace svledger::services

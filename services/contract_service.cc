#include "services/contract_service.h"

#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "common/names.h"
#include "common/uuid.h"
#include "eventstore/stream_reader.h"
#include "services/caller.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

constexpr size_t kMaxRequestIdBytes = 100;

absl::Status CheckRequestId(const std::string& id) {
  if (id.empty()) return absl::InvalidArgumentError("request_id: required");
  if (id.size() > kMaxRequestIdBytes) {
    return absl::InvalidArgumentError("request_id: longer than 100 bytes");
  }
  if (FirstNonNameChar(id) >= 0) {
    return absl::InvalidArgumentError(
        "request_id: only [A-Za-z0-9._:-] allowed");
  }
  return absl::OkStatus();
}

// A contract id names the stream "contract-<id>", so it takes a stream id's
// characters and its length less the prefix. Checked on the id itself, so
// that an error's offset and size are the caller's own.
absl::Status CheckContractId(const std::string& id,
                             const eventstore::Limits& limits) {
  eventstore::Limits own = limits;
  own.max_stream_id_bytes -= sizeof(domain::kContractStreamPrefix) - 1;
  return eventstore::ValidateStreamId(id, own, "contract_id");
}

}  // namespace

// One command on its way: read, replay check, decide, append, maybe again.
// Owns itself; deletes itself after calling `done`, then starts the next
// command queued on its contract.
class CommandRun {
 public:
  CommandRun(ContractService* service, eventstore::EventStore* store,
             std::string contract_id, std::string request_id, std::string actor,
             ContractService::Decide decide, ContractService::Done done)
      : service_(service),
        store_(store),
        done_(std::move(done)),
        contract_id_(contract_id),
        stream_(domain::ContractStream(contract_id)),
        event_id_(Uuid::FromName(
            absl::StrCat("contract/", contract_id, "/request/", request_id))),
        request_id_(std::move(request_id)),
        actor_(std::move(actor)),
        decide_(std::move(decide)) {}

  // Runs one attempt. May delete this object before returning.
  void Attempt() {
    ++attempts_;
    std::optional<absl::Status> done = ReadAndAppend();
    if (done.has_value()) Finish(*done);
  }

 private:
  // Rebuilds the contract, then either returns the status to finish with
  // (a replayed request, or a refusal), or starts the append and returns
  // nullopt; the append's completion (OnAppended) finishes, possibly
  // before this returns, so nothing may touch members after AppendAsync.
  std::optional<absl::Status> ReadAndAppend() {
    absl::StatusOr<std::optional<eventstore::RecordedEvent>> earlier =
        store_->FindEvent(stream_, event_id_);
    if (!earlier.ok()) return earlier.status();
    if (earlier->has_value()) {  // this request already ran
      response_.set_position((*earlier)->position);
      response_.set_stream_version((*earlier)->stream_version);
      response_.set_replayed(true);
      return absl::OkStatus();
    }
    if (cached_ == nullptr) cached_ = service_->TakeCached(contract_id_);
    // A cache this server kept current by its own appends needs no re-read:
    // the append's exact expected version catches anyone else's write, and
    // the retry after ABORTED re-reads.
    bool read_now = false;
    if (cached_->stale) {
      if (absl::Status s = CatchUp(); !s.ok()) return s;
      cached_->stale = false;
      read_now = true;
    }
    absl::StatusOr<ContractService::Decided> decided = decide_(cached_->state);
    if (!decided.ok() && !read_now) {
      // A refusal is not checked by an append: make sure it does not rest
      // on a cache that missed another writer's events.
      if (absl::Status s = CatchUp(); !s.ok()) return s;
      decided = decide_(cached_->state);
    }
    if (!decided.ok()) {
      if (decided.status() == domain::NotRegisteredError()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "contract_id: no contract '", contract_id_, "' is registered"));
      }
      return decided.status();
    }
    eventstore::ProposedEvent event;
    event.id = event_id_;
    event.type = decided->type;
    event.payload = decided->payload;
    decided_ = *std::move(decided);
    event.metadata.actor = actor_;
    event.metadata.request_id = request_id_;
    const std::optional<uint64_t> last = cached_->last_version;
    store_->AppendAsync(
        stream_,
        last.has_value() ? eventstore::ExpectedVersion::Exact(*last)
                         : eventstore::ExpectedVersion::NoStream(),
        {std::move(event)}, [this](absl::StatusOr<eventstore::AppendResult> r) {
          OnAppended(std::move(r));
        });
    return std::nullopt;
  }

  // Applies the stream's events after the cached version.
  absl::Status CatchUp() {
    const uint64_t from =
        cached_->last_version.has_value() ? *cached_->last_version + 1 : 0;
    return eventstore::ForEachStreamEvent(
        *store_, stream_, from, [this](const eventstore::RecordedEvent& e) {
          // An event the domain cannot apply is counted and skipped, as
          // projections do; it never stops the contract's commands.
          if (!domain::Apply(cached_->state, e.type, e.payload, e.recorded_time)
                   .ok()) {
            service_->skipped_events_.fetch_add(1, std::memory_order_relaxed);
          }
          cached_->last_version = e.stream_version;
          return absl::OkStatus();
        });
  }

  void OnAppended(absl::StatusOr<eventstore::AppendResult> r) {
    if (r.ok()) {
      response_.set_position(r->last_position);
      response_.set_stream_version(r->last_stream_version);
      response_.set_replayed(r->deduplicated);
      // Keep the cache current with what was just written, so the next
      // command need not read it back.
      if (r->deduplicated || !domain::Apply(cached_->state, decided_.type,
                                            decided_.payload, r->recorded_time)
                                  .ok()) {
        cached_->stale = true;
      } else {
        cached_->last_version = r->last_stream_version;
      }
      Finish(absl::OkStatus());
      return;
    }
    cached_->stale = true;  // a lost race, or an unknown outcome
    if (r.status().code() == absl::StatusCode::kAborted &&
        attempts_ < ContractService::kMaxAttempts) {
      // Someone else wrote first. What beat us may be written but not yet
      // readable; re-read and decide again once it is.
      store_->Barrier([this](absl::Status ready) {
        if (ready.ok()) {
          Attempt();
        } else {
          Finish(ready);
        }
      });
      return;
    }
    Finish(r.status());
  }

  void Finish(const absl::Status& status) {
    std::move(done_)(status, std::move(response_));
    ContractService* service = service_;
    const std::string contract_id = contract_id_;
    if (cached_ != nullptr) service->PutCached(contract_id, std::move(cached_));
    delete this;
    service->Next(contract_id);
  }

  ContractService* const service_;
  eventstore::EventStore* const store_;
  ContractService::Done done_;
  const std::string contract_id_;
  const std::string stream_;
  const Uuid event_id_;
  const std::string request_id_;
  // The event of the attempt in flight.
  ContractService::Decided decided_;
  const std::string actor_;
  const ContractService::Decide decide_;
  v1::CommandResponse response_;
  int attempts_ = 0;
  // The contract's state while this command runs; back to the cache after.
  std::unique_ptr<ContractService::CachedContract> cached_;
};

ContractService::ContractService(eventstore::EventStore* store,
                                 FrameworkStore* frameworks)
    : store_(store), frameworks_(frameworks) {}

grpc::ServerUnaryReactor* ContractService::Run(
    grpc::CallbackServerContext* context, const std::string& contract_id,
    const std::string& request_id, Decide decide,
    v1::CommandResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status valid = CheckRequestId(request_id);
  if (valid.ok()) {
    // Checked fully by the domain; here only what the stream name needs.
    valid = CheckContractId(contract_id, store_->limits());
  }
  if (!valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  Enqueue(contract_id,
          new CommandRun(this, store_, contract_id, request_id,
                         ActorOf(context), std::move(decide),
                         [reactor, response](absl::Status status,
                                             v1::CommandResponse answer) {
                           *response = std::move(answer);
                           reactor->Finish(ToGrpcStatus(status));
                         }));
  return reactor;
}

void ContractService::Execute(const std::string& contract_id,
                              const std::string& request_id,
                              const std::string& actor, Decide decide,
                              Done done) {
  absl::Status valid = CheckRequestId(request_id);
  if (valid.ok()) valid = CheckContractId(contract_id, store_->limits());
  if (!valid.ok()) {
    std::move(done)(valid, v1::CommandResponse());
    return;
  }
  Enqueue(contract_id,
          new CommandRun(this, store_, contract_id, request_id, actor,
                         std::move(decide), std::move(done)));
}

void ContractService::Enqueue(const std::string& contract_id, CommandRun* run) {
  {
    absl::MutexLock lock(&mu_);
    auto [it, idle] = busy_.try_emplace(contract_id);
    if (!idle) {
      it->second.push_back(run);
      return;
    }
  }
  run->Attempt();
}

std::unique_ptr<ContractService::CachedContract> ContractService::TakeCached(
    const std::string& contract_id) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find(contract_id);
  if (it == cache_.end()) return std::make_unique<CachedContract>();
  std::unique_ptr<CachedContract> cached = std::move(it->second);
  cache_.erase(it);
  return cached;
}

void ContractService::PutCached(const std::string& contract_id,
                                std::unique_ptr<CachedContract> cached) {
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= kMaxCachedContracts) cache_.clear();
  cache_[contract_id] = std::move(cached);
}

void ContractService::Next(const std::string& contract_id) {
  // A command that fails at once finishes inside Attempt, which calls Next
  // again: collect those calls and run them in this loop instead of
  // recursing once per queued command.
  thread_local std::vector<std::string>* running = nullptr;
  if (running != nullptr) {
    running->push_back(contract_id);
    return;
  }
  std::vector<std::string> work = {contract_id};
  running = &work;
  while (!work.empty()) {
    const std::string id = std::move(work.back());
    work.pop_back();
    CommandRun* next = nullptr;
    {
      absl::MutexLock lock(&mu_);
      auto it = busy_.find(id);
      if (it == busy_.end()) continue;
      if (it->second.empty()) {
        busy_.erase(it);
        continue;
      }
      next = it->second.front();
      it->second.pop_front();
    }
    next->Attempt();
  }
  running = nullptr;
}

grpc::ServerUnaryReactor* ContractService::RegisterContract(
    grpc::CallbackServerContext* context,
    const v1::RegisterContractRequest* request, v1::CommandResponse* response) {
  const v1::ContractRegistered command = request->contract();
  return Run(
      context, command.contract_id(), request->request_id(),
      [this,
       command](const domain::ContractState& state) -> absl::StatusOr<Decided> {
        if (absl::Status s = frameworks_->CheckServed(command.framework().id(),
                                                      "contract.framework.id");
            !s.ok()) {
          return s;
        }
        std::shared_ptr<const v1::Framework> framework = frameworks_->Get(
            command.framework().id(), command.framework().version());
        return AsDecided(
            domain::DecideRegister(state, command, framework.get()),
            "contract");
      },
      response);
}

// The commands whose decision also needs the published measure library.
template <typename Command>
ContractService::Decide DecideWithLibrary(
    FrameworkStore* frameworks,
    absl::StatusOr<Command> (*decide)(const domain::ContractState&,
                                      const Command&,
                                      const v1::MeasureLibrary&),
    Command command, absl::string_view field) {
  return [frameworks, decide, command = std::move(command),
          field = std::string(field)](const domain::ContractState& state)
             -> absl::StatusOr<ContractService::Decided> {
    std::shared_ptr<const v1::MeasureLibrary> library = frameworks->Library();
    if (library == nullptr) {
      return absl::FailedPreconditionError("no measure library is published");
    }
    return AsDecided(decide(state, command, *library), field);
  };
}

grpc::ServerUnaryReactor* ContractService::AddCommitments(
    grpc::CallbackServerContext* context,
    const v1::AddCommitmentsRequest* request, v1::CommandResponse* response) {
  v1::CommitmentsAdded command;
  *command.mutable_commitments() = request->commitments();
  return Run(context, request->contract_id(), request->request_id(),
             DecideWithLibrary(frameworks_, &domain::DecideAddCommitments,
                               std::move(command), ""),
             response);
}

grpc::ServerUnaryReactor* ContractService::ReportDelivery(
    grpc::CallbackServerContext* context,
    const v1::ReportDeliveryRequest* request, v1::CommandResponse* response) {
  return Run(context, request->contract_id(), request->request_id(),
             DecideWithLibrary(frameworks_, &domain::DecideReportDelivery,
                               request->delivery(), "delivery"),
             response);
}

// The commands whose decision needs only the state and the command.
template <typename Command>
ContractService::Decide DecideWith(
    absl::StatusOr<Command> (*decide)(const domain::ContractState&,
                                      const Command&),
    Command command, absl::string_view field) {
  return [decide, command = std::move(command),
          field = std::string(field)](const domain::ContractState& state) {
    return AsDecided(decide(state, command), field);
  };
}

grpc::ServerUnaryReactor* ContractService::VerifyDelivery(
    grpc::CallbackServerContext* context,
    const v1::VerifyDeliveryRequest* request, v1::CommandResponse* response) {
  return Run(context, request->contract_id(), request->request_id(),
             DecideWith(&domain::DecideVerifyDelivery, request->verification(),
                        "verification"),
             response);
}

grpc::ServerUnaryReactor* ContractService::RejectDelivery(
    grpc::CallbackServerContext* context,
    const v1::RejectDeliveryRequest* request, v1::CommandResponse* response) {
  return Run(context, request->contract_id(), request->request_id(),
             DecideWith(&domain::DecideRejectDelivery, request->rejection(),
                        "rejection"),
             response);
}

grpc::ServerUnaryReactor* ContractService::AmendCommitment(
    grpc::CallbackServerContext* context,
    const v1::AmendCommitmentRequest* request, v1::CommandResponse* response) {
  return Run(context, request->contract_id(), request->request_id(),
             DecideWith(&domain::DecideAmendCommitment, request->amendment(),
                        "amendment"),
             response);
}

grpc::ServerUnaryReactor* ContractService::WithdrawCommitment(
    grpc::CallbackServerContext* context,
    const v1::WithdrawCommitmentRequest* request,
    v1::CommandResponse* response) {
  return Run(context, request->contract_id(), request->request_id(),
             DecideWith(&domain::DecideWithdrawCommitment,
                        request->withdrawal(), "withdrawal"),
             response);
}

grpc::ServerUnaryReactor* ContractService::CloseContract(
    grpc::CallbackServerContext* context,
    const v1::CloseContractRequest* request, v1::CommandResponse* response) {
  return Run(
      context, request->contract_id(), request->request_id(),
      DecideWith(&domain::DecideCloseContract, request->closure(), "closure"),
      response);
}

}  // namespace svledger::services

#include "services/alert_service.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "domain/contract.h"
#include "domain/enforcement.h"
#include "eventstore/subscription.h"
#include "services/grpc_status.h"

namespace svledger::services {
namespace {

// Contracts whose parties are cached; past it the cache starts again.
constexpr size_t kMaxCachedParties = 100000;

const grpc::Status& ShuttingDown() {
  static const grpc::Status* const kStatus =
      new grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       "server is shutting down; resume from next_position");
  return *kStatus;
}

// A WatchAlerts stream that ends at once with the reason.
class RefusedWatch final
    : public grpc::ServerWriteReactor<v1::WatchAlertsResponse> {
 public:
  explicit RefusedWatch(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

template <typename Message>
bool Parse(const eventstore::RecordedEvent& e, Message* out) {
  return out->ParseFromArray(e.payload.data(),
                             static_cast<int>(e.payload.size()));
}

// The commitment a case belongs to: case ids are "<commitment>#<n>".
std::string CommitmentOfCase(const std::string& case_id) {
  return case_id.substr(0, case_id.rfind('#'));
}

}  // namespace

// One WatchAlerts stream: the log read from a position through a filtered
// Subscription, each batch converted to alerts and filtered by council,
// written; once caught up it asks the store's head watcher to call it back
// when the next position is durable. Nothing in it blocks.
//
// Lifetime: as SubscribeReactor's (owned by itself until OnDone; a pending
// head-watcher callback holds only a weak_ptr).
class AlertReactor final
    : public grpc::ServerWriteReactor<v1::WatchAlertsResponse>,
      public std::enable_shared_from_this<AlertReactor> {
 public:
  AlertReactor(AlertService* service, const eventstore::EventStore* store,
               uint64_t from_position, eventstore::EventFilter filter,
               std::string council, std::string contract_stream)
      : service_(service),
        store_(store),
        council_(std::move(council)),
        contract_stream_(std::move(contract_stream)),
        // The most events a read may return: at most that many alerts per
        // response.
        cursor_(store, from_position, std::move(filter),
                store->limits().max_read_limit) {}

  // Keeps the reactor alive until OnDone. REQUIRES: before Start.
  void Hold(std::shared_ptr<AlertReactor> self) { self_ = std::move(self); }
  void Start() { Pump(); }

  // Ends the stream with `status` as soon as no write is in flight.
  void Stop(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      stop_requested_ = true;
      stop_status_ = status;
      if (writing_) return;  // OnWriteDone's Pump finishes the stream
    }
    FinishOnce(status);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
    }
    if (!ok) {
      FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "write failed"));
      return;
    }
    Pump();
  }

  void OnCancel() override { Stop(grpc::Status::CANCELLED); }

  void OnDone() override {
    service_->Forget(this);
    // May destroy this object; nothing may follow.
    std::shared_ptr<AlertReactor> last = std::move(self_);
  }

 private:
  // Sends the alerts durable beyond the cursor, or arranges to be called
  // back when the log moves.
  void Pump() {
    absl::ReleasableMutexLock lock(&mu_);
    if (finished_ || writing_) return;
    if (stop_requested_) {
      grpc::Status status = stop_status_;
      lock.Release();
      FinishOnce(status);
      return;
    }
    absl::StatusOr<eventstore::SubscriptionBatch> batch = cursor_.Poll();
    if (!batch.ok()) {
      lock.Release();
      FinishOnce(ToGrpcStatus(batch.status()));
      return;
    }
    const bool announce = batch->caught_up && !sent_caught_up_;
    response_.Clear();
    for (const eventstore::RecordedEvent& e : batch->events) {
      // A contract filter is a stream prefix: keep only its own stream.
      if (!contract_stream_.empty() && e.stream_id != contract_stream_) {
        continue;
      }
      absl::StatusOr<std::optional<v1::Alert>> alert = service_->ToAlert(e);
      if (!alert.ok()) {
        lock.Release();
        FinishOnce(ToGrpcStatus(alert.status()));
        return;
      }
      if (!alert->has_value()) continue;
      if (!council_.empty() && (*alert)->council() != council_) continue;
      *response_.add_alerts() = **std::move(alert);
    }
    // Nothing to send when caught up and already announced: wait for the
    // next durable position. (A scan that matched nothing but is not caught
    // up still sends, so the client's resume position advances.)
    if (response_.alerts().empty() && batch->caught_up && !announce) {
      store_->head_watcher().NotifyAt(
          batch->next_position, [weak = weak_from_this()]() {
            if (std::shared_ptr<AlertReactor> self = weak.lock()) {
              self->Pump();
            }
          });
      return;
    }
    response_.set_next_position(batch->next_position);
    response_.set_caught_up(announce);
    sent_caught_up_ = sent_caught_up_ || announce;
    writing_ = true;
    lock.Release();
    StartWrite(&response_);
  }

  // Calls Finish once. REQUIRES: mu_ not held.
  void FinishOnce(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(status);
  }

  AlertService* const service_;
  const eventstore::EventStore* const store_;
  const std::string council_;           // empty: any
  const std::string contract_stream_;   // empty: any
  std::shared_ptr<AlertReactor> self_;  // released in OnDone

  absl::Mutex mu_;
  eventstore::Subscription cursor_ ABSL_GUARDED_BY(mu_);
  v1::WatchAlertsResponse response_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_caught_up_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status stop_status_ ABSL_GUARDED_BY(mu_);
};

AlertService::AlertService(const eventstore::EventStore* store)
    : store_(store) {}

AlertService::~AlertService() { StopWatches(); }

absl::StatusOr<AlertService::Parties> AlertService::PartiesOf(
    const std::string& contract_id) {
  {
    absl::MutexLock lock(&parties_mu_);
    if (auto it = parties_.find(contract_id); it != parties_.end()) {
      return it->second;
    }
  }
  eventstore::ReadStreamOptions first;
  first.limit = 1;
  absl::StatusOr<eventstore::StreamSlice> slice =
      store_->ReadStream(domain::ContractStream(contract_id), first);
  if (!slice.ok()) return slice.status();
  v1::ContractRegistered registered;
  if (slice->events.empty() ||
      slice->events[0].type != domain::kContractRegistered ||
      !Parse(slice->events[0], &registered)) {
    return absl::DataLossError(absl::StrCat("contract stream '", contract_id,
                                            "' does not start registered"));
  }
  Parties parties{registered.framework().id(), registered.supplier_id()};
  absl::MutexLock lock(&parties_mu_);
  if (parties_.size() >= kMaxCachedParties) parties_.clear();
  parties_.emplace(contract_id, parties);
  return parties;
}

absl::StatusOr<std::optional<v1::Alert>> AlertService::ToAlert(
    const eventstore::RecordedEvent& e) {
  v1::Alert alert;
  bool parsed = true;
  if (e.type == domain::kCommitmentStatusChanged) {
    parsed = Parse(e, alert.mutable_status_changed());
    alert.set_commitment_id(alert.status_changed().commitment_id());
  } else if (e.type == domain::kEnforcementCaseOpened) {
    parsed = Parse(e, alert.mutable_case_opened());
    alert.set_case_id(alert.case_opened().case_id());
  } else if (e.type == domain::kEnforcementActionRecorded) {
    parsed = Parse(e, alert.mutable_case_action());
    alert.set_case_id(alert.case_action().case_id());
  } else if (e.type == domain::kEnforcementCaseEscalated) {
    parsed = Parse(e, alert.mutable_case_escalated());
    alert.set_case_id(alert.case_escalated().case_id());
  } else if (e.type == domain::kEnforcementCaseClosed) {
    parsed = Parse(e, alert.mutable_case_closed());
    alert.set_case_id(alert.case_closed().case_id());
  } else {
    return std::nullopt;
  }
  absl::string_view stream = e.stream_id;
  if (!parsed || !absl::ConsumePrefix(&stream, domain::kContractStreamPrefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", e.type, " at position ", e.position));
  }
  if (!alert.case_id().empty()) {
    alert.set_commitment_id(CommitmentOfCase(alert.case_id()));
  }
  alert.set_contract_id(std::string(stream));
  absl::StatusOr<Parties> parties = PartiesOf(alert.contract_id());
  if (!parties.ok()) return parties.status();
  alert.set_council(parties->council);
  alert.set_supplier_id(parties->supplier_id);
  alert.set_position(e.position);
  alert.mutable_recorded()->set_unix_micros(
      absl::ToUnixMicros(e.recorded_time));
  alert.set_actor(e.metadata.actor);
  return alert;
}

grpc::ServerWriteReactor<v1::WatchAlertsResponse>* AlertService::WatchAlerts(
    grpc::CallbackServerContext* context,
    const v1::WatchAlertsRequest* request) {
  (void)context;
  for (auto [value, field] :
       {std::pair{&request->council(), "council"},
        std::pair{&request->contract_id(), "contract_id"}}) {
    if (value->empty()) continue;
    if (absl::Status s = domain::CheckId(*value, field); !s.ok()) {
      return new RefusedWatch(ToGrpcStatus(s));
    }
  }
  const uint64_t head = store_->HeadPosition();
  uint64_t from = request->from_position();
  if (from == 0) from = head + 1;
  if (from > head + 1) {
    return new RefusedWatch(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("from_position: beyond the log's head ", head)));
  }
  eventstore::EventFilter filter;
  std::string contract_stream;
  if (!request->contract_id().empty()) {
    contract_stream = domain::ContractStream(request->contract_id());
    filter.stream_prefixes = {contract_stream};
  } else {
    filter.stream_prefixes = {domain::kContractStreamPrefix};
  }
  filter.event_types = {
      domain::kCommitmentStatusChanged, domain::kEnforcementCaseOpened,
      domain::kEnforcementActionRecorded, domain::kEnforcementCaseEscalated,
      domain::kEnforcementCaseClosed};
  auto reactor = std::make_shared<AlertReactor>(
      this, store_, from, std::move(filter), request->council(),
      std::move(contract_stream));
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return new RefusedWatch(ShuttingDown());
    if (watches_.size() >= kMaxWatches) {
      return new RefusedWatch(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("at most ", kMaxWatches, " alert watches at once")));
    }
    // gRPC calls OnDone (and so Forget) only after this method returns.
    watches_[reactor.get()] = reactor;
  }
  AlertReactor* raw = reactor.get();
  raw->Hold(std::move(reactor));
  raw->Start();
  return raw;
}

void AlertService::StopWatches() {
  std::vector<std::shared_ptr<AlertReactor>> open;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& [ptr, weak] : watches_) {
      if (auto strong = weak.lock()) open.push_back(std::move(strong));
    }
  }
  for (auto& reactor : open) reactor->Stop(ShuttingDown());
}

size_t AlertService::watch_count() const {
  absl::MutexLock lock(&mu_);
  return watches_.size();
}

void AlertService::Forget(const AlertReactor* reactor) {
  absl::MutexLock lock(&mu_);
  watches_.erase(reactor);
}

}  // namespace svledger::services

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

AlertService::AlertService(const eventstore::EventStore* store)
    : store_(store), watches_(store, kMaxWatches) {}

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
      return new RefusedStream<v1::WatchAlertsResponse>(ToGrpcStatus(s));
    }
  }
  const uint64_t head = store_->HeadPosition();
  uint64_t from = request->from_position();
  if (from == 0) from = head + 1;
  if (from > head + 1) {
    return new RefusedStream<v1::WatchAlertsResponse>(grpc::Status(
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
  return watches_.Open(
      from, std::move(filter), store_->limits().max_read_limit,
      [this, council = request->council(), contract_stream](
          const std::vector<eventstore::RecordedEvent>& events,
          v1::WatchAlertsResponse& response) -> absl::Status {
        for (const eventstore::RecordedEvent& e : events) {
          // A contract filter is a stream prefix: keep only its own stream.
          if (!contract_stream.empty() && e.stream_id != contract_stream) {
            continue;
          }
          absl::StatusOr<std::optional<v1::Alert>> alert = ToAlert(e);
          if (!alert.ok()) return alert.status();
          if (!alert->has_value()) continue;
          if (!council.empty() && (*alert)->council() != council) continue;
          *response.add_alerts() = **std::move(alert);
        }
        return absl::OkStatus();
      });
}

void AlertService::StopWatches() { watches_.StopAll(); }

size_t AlertService::watch_count() const { return watches_.size(); }

}  // namespace svledger::services

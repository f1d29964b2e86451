#include "app/alerts.h"

#include "absl/strings/str_cat.h"
#include "domain/contract.h"
#include "domain/enforcement.h"
#include "domain/ids.h"

namespace svledger::app {
namespace {

// Contracts whose parties are cached; past it the cache starts again.
constexpr size_t kMaxCachedParties = 100000;

template <typename Message>
bool Parse(const eventstore::RecordedEvent& e, Message* out) {
  return out->ParseFromArray(e.payload.data(),
                             static_cast<int>(e.payload.size()));
}

}  // namespace

absl::StatusOr<AlertWatch> Alerts::Watch(
    const Caller& caller, const v1::WatchAlertsRequest& request) const {
  for (auto [value, field] :
       {std::pair{&request.council(), "council"},
        std::pair{&request.contract_id(), "contract_id"}}) {
    if (value->empty()) continue;
    if (absl::Status s = domain::CheckId(*value, field); !s.ok()) return s;
  }
  absl::StatusOr<Visibility> visible =
      VisibleListing(caller, Operation::kReadContract, request.council(), "");
  if (!visible.ok()) return visible.status();
  if (!request.contract_id().empty() && !visible->all) {
    // A contract outside the caller's scope is refused; one not yet
    // registered is filtered alert by alert like the rest.
    absl::StatusOr<Parties> parties = PartiesOf(request.contract_id());
    if (parties.ok() &&
        !visible->Sees({parties->council, parties->supplier_id})) {
      return MayDoOn(caller, Operation::kReadContract,
                     {parties->council, parties->supplier_id});
    }
  }
  const uint64_t head = store_->HeadPosition();
  AlertWatch watch;
  watch.visible = *std::move(visible);
  watch.from_position = request.from_position();
  if (watch.from_position == 0) watch.from_position = head + 1;
  if (watch.from_position > head + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("from_position: beyond the log's head ", head));
  }
  if (!request.contract_id().empty()) {
    watch.contract_stream = domain::ContractStream(request.contract_id());
    watch.filter.stream_prefixes = {watch.contract_stream};
  } else {
    watch.filter.stream_prefixes = {domain::kContractStreamPrefix};
  }
  watch.filter.event_types = {domain::kCommitmentStatusChanged,
                              domain::kEnforcementCaseOpened,
                              domain::kEnforcementActionRecorded,
                              domain::kEnforcementCaseEscalated,
                              domain::kEnforcementCaseClosed,
                              domain::kDeliveryReported,
                              domain::kDeliveryVerified,
                              domain::kDeliveryRejected,
                              domain::kPerformanceAssessmentRecorded};
  watch.council = request.council();
  return watch;
}

absl::Status Alerts::Select(
    const AlertWatch& watch,
    const std::vector<eventstore::RecordedEvent>& events,
    v1::WatchAlertsResponse& out) {
  for (const eventstore::RecordedEvent& e : events) {
    // A contract filter is a stream prefix: keep only its own stream.
    if (!watch.contract_stream.empty() &&
        e.stream_id != watch.contract_stream) {
      continue;
    }
    absl::StatusOr<std::optional<v1::Alert>> alert = ToAlert(e);
    if (!alert.ok()) {
      const absl::StatusCode code = alert.status().code();
      // The event's own fault: skip it. Anything else (the log recovering)
      // ends this watch, which resumes where it was.
      if (code != absl::StatusCode::kInvalidArgument &&
          code != absl::StatusCode::kDataLoss &&
          code != absl::StatusCode::kNotFound) {
        return alert.status();
      }
      skipped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    if (!alert->has_value()) continue;
    if (!watch.council.empty() && (*alert)->council() != watch.council) {
      continue;
    }
    if (!watch.visible.Sees({(*alert)->council(), (*alert)->supplier_id()})) {
      continue;
    }
    *out.add_alerts() = **std::move(alert);
  }
  return absl::OkStatus();
}

absl::StatusOr<Alerts::Parties> Alerts::PartiesOf(
    const std::string& contract_id) const {
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

absl::StatusOr<std::optional<v1::Alert>> Alerts::ToAlert(
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
  } else if (e.type == domain::kDeliveryReported) {
    parsed = Parse(e, alert.mutable_delivery_reported());
    alert.set_delivery_id(alert.delivery_reported().delivery_id());
    alert.set_commitment_id(alert.delivery_reported().commitment_id());
  } else if (e.type == domain::kDeliveryVerified) {
    parsed = Parse(e, alert.mutable_delivery_verified());
    alert.set_delivery_id(alert.delivery_verified().delivery_id());
  } else if (e.type == domain::kDeliveryRejected) {
    parsed = Parse(e, alert.mutable_delivery_rejected());
    alert.set_delivery_id(alert.delivery_rejected().delivery_id());
  } else if (e.type == domain::kPerformanceAssessmentRecorded) {
    parsed = Parse(e, alert.mutable_assessment_recorded());
  } else {
    return std::nullopt;
  }
  std::optional<std::string> contract_id =
      domain::ContractIdOfStream(e.stream_id);
  if (!parsed || !contract_id.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", e.type, " at position ", e.position));
  }
  // The policy makes every case id; one it did not make (written before
  // contract streams were the server's own) is shown without a commitment
  // rather than ending every stream that reaches it.
  if (!alert.case_id().empty()) {
    if (absl::StatusOr<domain::CaseRef> ref =
            domain::ParseCaseId(alert.case_id());
        ref.ok()) {
      alert.set_commitment_id(ref->commitment_id);
    }
  }
  alert.set_contract_id(*contract_id);
  absl::StatusOr<Parties> parties = PartiesOf(alert.contract_id());
  if (!parties.ok()) return parties.status();
  alert.set_council(parties->council);
  alert.set_supplier_id(parties->supplier_id);
  alert.set_position(e.position);
  alert.mutable_recorded()->set_unix_micros(
      absl::ToUnixMicros(e.recorded_time));
  alert.set_actor(e.metadata.actor);
  alert.set_on_behalf_of(e.metadata.on_behalf_of);
  return alert;
}

}  // namespace svledger::app

#include "app/case_queries.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/progress_queries.h"
#include "domain/cases.h"
#include "domain/ids.h"
#include "eventstore/stream_reader.h"

namespace svledger::app {
namespace {

// Checks an optional id filter.
absl::Status CheckOptionalId(const std::string& value, const char* field) {
  return value.empty() ? absl::OkStatus() : domain::CheckId(value, field);
}

}  // namespace

CaseQueries::CaseQueries(const eventstore::EventStore* store,
                         projections::ContractReadModel* model,
                         const FrameworkStore* frameworks, Clock* clock)
    : store_(store), model_(model), frameworks_(frameworks), clock_(clock) {}

int CaseQueries::StageDaysOf(const domain::ContractState& state) const {
  return domain::StageDays(frameworks_->LadderOf(state.contract.framework()));
}

absl::StatusOr<v1::ListCasesResponse> CaseQueries::ListCases(
    const Caller& caller, const v1::ListCasesRequest& request) const {
  for (auto [value, field] :
       {std::pair{&request.council(), "council"},
        std::pair{&request.contract_id(), "contract_id"},
        std::pair{&request.supplier_id(), "supplier_id"}}) {
    if (absl::Status s = CheckOptionalId(*value, field); !s.ok()) return s;
  }
  if (!v1::CaseState_IsValid(request.state())) {
    return absl::InvalidArgumentError(
        absl::StrCat("state: unknown value ", request.state()));
  }
  if (!v1::EnforcementStage_IsValid(request.stage())) {
    return absl::InvalidArgumentError(
        absl::StrCat("stage: unknown value ", request.stage()));
  }
  if (request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: at most ", kMaxPageSize));
  }
  std::optional<domain::CasePlace> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<domain::CasePlace> place =
        domain::ParseCasePageToken(request.page_token());
    if (!place.ok()) return place.status();
    after = *std::move(place);
  }
  if (absl::Status s = frameworks_->CheckCouncil(request.council(), "council");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<Visibility> visible =
      VisibleListing(caller, Operation::kReadContract, request.council(),
                     request.supplier_id());
  if (!visible.ok()) return visible.status();
  const uint32_t page_size =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  const domain::CaseFilter filter{
      request.council(), request.contract_id(), request.supplier_id(),
      request.state(),   request.stage(),       request.overdue_only()};

  auto projection = model_->current();
  const absl::Time now = clock_->Now();
  std::vector<v1::EnforcementCase> cases;
  absl::Status denied;
  auto collect = [&](const domain::ContractState& s) {
    const v1::ContractRegistered& c = s.contract;
    if (!visible->Sees(TargetOf(c))) {
      // Asked by contract id: refused, not answered empty.
      if (!request.contract_id().empty()) {
        denied = MayDoOn(caller, Operation::kReadContract, TargetOf(c));
      }
      return;
    }
    if ((!filter.council.empty() && c.framework().id() != filter.council) ||
        (!filter.supplier_id.empty() &&
         c.supplier_id() != filter.supplier_id) ||
        s.enforcement.cases.empty()) {
      return;
    }
    const int stage_days = StageDaysOf(s);
    for (const auto& [id, record] : s.enforcement.cases) {
      v1::EnforcementCase view =
          domain::BuildCase(s, id, record, stage_days, now);
      if (domain::Matches(filter, view) &&
          (!after || domain::After(*after, view))) {
        cases.push_back(std::move(view));
      }
    }
  };
  if (!request.contract_id().empty()) {
    projection->Read(request.contract_id(), collect);
  } else {
    projection->Scan("", [&](const domain::ContractState& s) {
      collect(s);
      return true;
    });
  }
  if (!denied.ok()) return denied;
  v1::ListCasesResponse out;
  const size_t shown = std::min<size_t>(cases.size(), page_size);
  std::partial_sort(cases.begin(), cases.begin() + shown, cases.end(),
                    domain::MoreSevere);
  for (size_t i = 0; i < shown; ++i) *out.add_cases() = std::move(cases[i]);
  if (cases.size() > shown) {
    out.set_next_page_token(
        domain::CasePageToken(domain::PlaceOf(out.cases(shown - 1))));
  }
  out.mutable_as_of()->set_unix_micros(absl::ToUnixMicros(now));
  out.set_position(projection->applied());
  return out;
}

absl::StatusOr<v1::EnforcementCase> CaseQueries::GetCase(
    const Caller& caller, const v1::GetCaseRequest& request) const {
  if (absl::Status s = MayDo(caller, Operation::kReadContract); !s.ok()) {
    return s;
  }
  if (absl::Status s = domain::CheckId(request.contract_id(), "contract_id");
      !s.ok()) {
    return s;
  }
  if (absl::StatusOr<domain::CaseRef> ref =
          domain::ParseCaseId(request.case_id());
      !ref.ok()) {
    return ref.status();
  }
  auto projection = model_->current();
  const uint64_t applied = projection->applied();
  const absl::Time now = clock_->Now();
  std::optional<v1::EnforcementCase> view;
  absl::Status allowed;
  const bool contract_found = projection->Read(
      request.contract_id(), [&](const domain::ContractState& s) {
        allowed =
            MayDoOn(caller, Operation::kReadContract, TargetOf(s.contract));
        if (!allowed.ok()) return;
        auto it = s.enforcement.cases.find(request.case_id());
        if (it != s.enforcement.cases.end()) {
          view =
              domain::BuildCase(s, it->first, it->second, StageDaysOf(s), now);
        }
      });
  if (!contract_found) {
    return absl::NotFoundError(
        absl::StrCat("contract_id: no contract '", request.contract_id(), "'"));
  }
  if (!allowed.ok()) return allowed;
  if (!view) {
    return absl::NotFoundError(absl::StrCat("case_id: no case '",
                                            request.case_id(), "' on '",
                                            request.contract_id(), "'"));
  }
  // The history as far as the view reflects.
  absl::Status s = eventstore::ForEachStreamEvent(
      *store_, domain::ContractStream(request.contract_id()), 0,
      [&](const eventstore::RecordedEvent& e) -> absl::Status {
        if (e.position > applied) return absl::CancelledError();
        // An event the domain cannot read was skipped (and counted) by the
        // projection too; the history shows what the view reflects.
        absl::StatusOr<bool> added =
            domain::AddCaseHistory(*view, e.type, e.payload, e.position,
                                   e.recorded_time, e.metadata.actor);
        if (!added.ok() && !absl::IsInvalidArgument(added.status())) {
          return added.status();
        }
        return absl::OkStatus();
      });
  if (!s.ok() && !absl::IsCancelled(s)) return s;
  return *std::move(view);
}

}  // namespace svledger::app

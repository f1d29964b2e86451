#include "app/progress_queries.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/framework_catalog.h"
#include "domain/progress.h"
#include "eventstore/stream_reader.h"

namespace svledger::app {
namespace {

// The end of `date` (UTC): the as-of instant of a date.
absl::StatusOr<absl::Time> EndOfDay(const v1::Date& date,
                                    absl::string_view field) {
  if (absl::StatusOr<absl::CivilDay> day = domain::ToCivilDay(date, field);
      !day.ok()) {
    return day.status();
  }
  return domain::StartOfDay(date) + absl::Hours(24) - absl::Microseconds(1);
}

absl::Status CheckStatusFilter(v1::CommitmentStatus status) {
  if (!v1::CommitmentStatus_IsValid(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat("status: unknown value ", status));
  }
  return absl::OkStatus();
}

}  // namespace

ProgressQueries::ProgressQueries(const eventstore::EventStore* store,
                                 projections::ContractReadModel* model,
                                 const FrameworkStore* frameworks, Clock* clock,
                                 domain::StandingRule standing)
    : store_(store),
      model_(model),
      frameworks_(frameworks),
      clock_(clock),
      standing_(std::move(standing)) {}

absl::StatusOr<domain::ContractState> ProgressQueries::StateAsOf(
    const std::string& contract_id, absl::Time as_of) const {
  domain::ContractState state;
  absl::Status s = eventstore::ForEachStreamEvent(
      *store_, domain::ContractStream(contract_id), 0,
      [&](const eventstore::RecordedEvent& e) {
        if (e.recorded_time <= as_of) {
          // An event the domain cannot apply is skipped, as the projection
          // does.
          domain::Apply(state, e.type, e.payload, e.recorded_time)
              .IgnoreError();
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (!state.registered) {
    return absl::NotFoundError(absl::StrCat("contract_id: no contract '",
                                            contract_id, "' as of that date"));
  }
  return state;
}

absl::StatusOr<v1::ContractProgress> ProgressQueries::CurrentProgress(
    const Caller& caller, const std::string& contract_id) const {
  if (absl::Status s = MayDo(caller, Operation::kReadContract); !s.ok()) {
    return s;
  }
  auto projection = model_->current();
  const uint64_t position = projection->applied();
  const absl::Time now = clock_->Now();
  v1::ContractProgress out;
  absl::Status allowed;
  if (!projection->Read(contract_id, [&](const domain::ContractState& state) {
        allowed =
            MayDoOn(caller, Operation::kReadContract, TargetOf(state.contract));
        if (!allowed.ok()) return;
        out = domain::BuildContractProgress(
            state, *frameworks_->LibraryFor(state.contract.framework()), now);
      })) {
    return absl::NotFoundError(
        absl::StrCat("contract_id: no contract '", contract_id, "'"));
  }
  if (!allowed.ok()) return allowed;
  out.set_position(position);
  return out;
}

absl::StatusOr<v1::ContractProgress> ProgressQueries::ContractProgress(
    const Caller& caller, const v1::GetContractProgressRequest& request) const {
  if (absl::Status s = domain::CheckId(request.contract_id(), "contract_id");
      !s.ok()) {
    return s;
  }
  if (!request.has_as_of()) {
    return CurrentProgress(caller, request.contract_id());
  }
  if (absl::Status s = MayDo(caller, Operation::kReadContract); !s.ok()) {
    return s;
  }
  absl::StatusOr<absl::Time> as_of = EndOfDay(request.as_of(), "as_of");
  if (!as_of.ok()) return as_of.status();
  const uint64_t position = store_->HeadPosition();
  absl::StatusOr<domain::ContractState> state =
      StateAsOf(request.contract_id(), *as_of);
  if (!state.ok()) return state.status();
  if (absl::Status s =
          MayDoOn(caller, Operation::kReadContract, TargetOf(state->contract));
      !s.ok()) {
    return s;
  }
  v1::ContractProgress out = domain::BuildContractProgress(
      *state, *frameworks_->LibraryFor(state->contract.framework()), *as_of);
  out.set_position(position);
  return out;
}

absl::StatusOr<v1::ListContractsResponse> ProgressQueries::ListContracts(
    const Caller& caller, const v1::ListContractsRequest& request) const {
  if (request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: at most ", kMaxPageSize));
  }
  for (auto [value, field] : {std::pair{&request.council(), "council"},
                              std::pair{&request.supplier_id(), "supplier_id"},
                              std::pair{&request.page_token(), "page_token"}}) {
    if (value->empty()) continue;
    if (absl::Status s = domain::CheckId(*value, field); !s.ok()) return s;
  }
  if (absl::Status s = CheckStatusFilter(request.status()); !s.ok()) return s;
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
  auto projection = model_->current();
  const absl::Time now = clock_->Now();
  v1::ListContractsResponse out;
  out.set_position(projection->applied());
  projection->Scan(request.page_token(), [&](const domain::ContractState& s) {
    const v1::ContractRegistered& c = s.contract;
    if (!request.council().empty() && c.framework().id() != request.council()) {
      return true;
    }
    if (!request.supplier_id().empty() &&
        c.supplier_id() != request.supplier_id()) {
      return true;
    }
    if (!visible->Sees(TargetOf(c))) return true;
    v1::ContractProgress progress = domain::BuildContractProgress(
        s, *frameworks_->LibraryFor(s.contract.framework()), now);
    if (request.status() != v1::COMMITMENT_STATUS_UNSPECIFIED &&
        progress.status() != request.status()) {
      return true;
    }
    if (out.contracts_size() == static_cast<int>(page_size)) {
      // There is more: the next page starts after the last one returned.
      out.set_next_page_token(out.contracts(page_size - 1).contract_id());
      return false;
    }
    *out.add_contracts() = domain::Summarize(progress);
    return true;
  });
  return out;
}

absl::StatusOr<v1::CouncilSummary> ProgressQueries::CouncilSummary(
    const Caller& caller, const v1::GetCouncilSummaryRequest& request) const {
  if (absl::Status s = domain::CheckId(request.council(), "council"); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          MayDoOn(caller, Operation::kReadCouncil, {request.council(), ""});
      !s.ok()) {
    return s;
  }
  std::optional<absl::Time> as_of;
  if (request.has_as_of()) {
    absl::StatusOr<absl::Time> t = EndOfDay(request.as_of(), "as_of");
    if (!t.ok()) return t.status();
    as_of = *t;
  }
  std::shared_ptr<const v1::Framework> latest =
      frameworks_->Latest(request.council());
  if (latest == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "council: no framework '", request.council(), "' is published"));
  }
  auto projection = model_->current();
  const uint64_t position =
      as_of ? store_->HeadPosition() : projection->applied();
  const absl::Time at = as_of.value_or(clock_->Now());
  std::vector<v1::ContractProgress> progress;
  std::vector<std::string> ids;
  projection->Scan("", [&](const domain::ContractState& s) {
    if (s.contract.framework().id() != request.council()) return true;
    if (as_of) {
      ids.push_back(s.contract.contract_id());
    } else {
      progress.push_back(domain::BuildContractProgress(
          s, *frameworks_->LibraryFor(s.contract.framework()), at));
    }
    return true;
  });
  for (const std::string& id : ids) {
    absl::StatusOr<domain::ContractState> state = StateAsOf(id, at);
    if (absl::IsNotFound(state.status())) continue;  // registered later
    if (!state.ok()) return state.status();
    progress.push_back(domain::BuildContractProgress(
        *state, *frameworks_->LibraryFor(state->contract.framework()), at));
  }
  // Lookups hold their framework alive for the duration of the build.
  std::vector<std::shared_ptr<const v1::Framework>> held;
  v1::CouncilSummary out = domain::BuildCouncilSummary(
      *latest,
      [&](const std::string& id, uint32_t version) -> const v1::Framework* {
        held.push_back(frameworks_->Get(id, version));
        return held.back().get();
      },
      progress);
  out.mutable_as_of()->set_unix_micros(absl::ToUnixMicros(at));
  out.set_position(position);
  return out;
}

absl::StatusOr<v1::SupplierScorecard> ProgressQueries::SupplierScorecard(
    const Caller& caller,
    const v1::GetSupplierScorecardRequest& request) const {
  if (absl::Status s = domain::CheckId(request.supplier_id(), "supplier_id");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = MayDoOn(caller, Operation::kReadSupplier,
                               {"", request.supplier_id()});
      !s.ok()) {
    return s;
  }
  auto projection = model_->current();
  const absl::Time now = clock_->Now();
  std::vector<v1::ContractProgress> progress;
  projection->Scan("", [&](const domain::ContractState& s) {
    if (s.contract.supplier_id() == request.supplier_id()) {
      progress.push_back(domain::BuildContractProgress(
          s, *frameworks_->LibraryFor(s.contract.framework()), now));
    }
    return true;
  });
  if (progress.empty()) {
    return absl::NotFoundError(
        absl::StrCat("supplier_id: no contracts with supplier '",
                     request.supplier_id(), "'"));
  }
  v1::SupplierScorecard out = domain::BuildSupplierScorecard(
      request.supplier_id(), progress, standing_);
  out.mutable_as_of()->set_unix_micros(absl::ToUnixMicros(now));
  out.set_position(projection->applied());
  return out;
}

absl::StatusOr<v1::ListFrameworksResponse> ProgressQueries::ListFrameworks(
    const Caller& caller) const {
  if (absl::Status s = MayDo(caller, Operation::kReadFrameworks); !s.ok()) {
    return s;
  }
  v1::ListFrameworksResponse out;
  if (auto library = frameworks_->Library()) {
    out.set_measure_library_version(library->version());
  }
  for (const auto& f : frameworks_->List()) {
    const domain::FrameworkCounts counts = domain::Count(*f);
    v1::FrameworkSummary& s = *out.add_frameworks();
    s.set_id(f->id());
    s.set_version(f->version());
    s.set_council(f->council());
    s.set_title(f->title());
    s.set_theme_label(f->theme_label());
    s.set_themes(counts.themes);
    s.set_outcomes(counts.outcomes);
    s.set_measures(counts.distinct_measures);
  }
  return out;
}

absl::StatusOr<v1::GetFrameworkResponse> ProgressQueries::GetFramework(
    const Caller& caller, const v1::GetFrameworkRequest& request) const {
  if (absl::Status s = MayDo(caller, Operation::kReadFrameworks); !s.ok()) {
    return s;
  }
  if (absl::Status s = domain::CheckId(request.id(), "id"); !s.ok()) return s;
  std::shared_ptr<const v1::Framework> framework =
      request.version() == 0
          ? frameworks_->Latest(request.id())
          : frameworks_->Get(request.id(), request.version());
  if (framework == nullptr) {
    return absl::NotFoundError(
        request.version() == 0
            ? absl::StrCat("id: no framework '", request.id(), "'")
            : absl::StrCat("version: framework '", request.id(),
                           "' has no version ", request.version()));
  }
  v1::GetFrameworkResponse out;
  *out.mutable_framework() = *framework;
  std::set<std::string> ids;
  for (const v1::Theme& t : framework->themes()) {
    for (const v1::Outcome& o : t.outcomes()) {
      for (const v1::MeasureRef& m : o.measures()) ids.insert(m.measure_id());
    }
  }
  v1::FrameworkRef ref;
  ref.set_id(framework->id());
  ref.set_version(framework->version());
  // The measures as the version pins them.
  std::shared_ptr<const v1::MeasureLibrary> library =
      frameworks_->LibraryFor(ref);
  for (const std::string& id : ids) {
    if (const v1::Measure* m = domain::FindMeasure(*library, id)) {
      *out.add_measures() = *m;
    }
  }
  return out;
}

absl::Status ProgressQueries::CheckWatch(const Caller& caller,
                                         const std::string& contract_id) const {
  if (absl::Status s = domain::CheckId(contract_id, "contract_id"); !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::ContractProgress> now =
      CurrentProgress(caller, contract_id);
  // An unknown contract is for the watch to report (NOT_FOUND).
  return absl::IsNotFound(now.status()) ? absl::OkStatus() : now.status();
}

uint64_t ProgressQueries::WatchContract(std::string contract_id,
                                        std::function<void()> changed) const {
  return model_->AddListener(
      [id = std::move(contract_id),
       changed = std::move(changed)](const projections::ContractChanges& c) {
        if (c.all || std::binary_search(c.ids.begin(), c.ids.end(), id)) {
          changed();
        }
      });
}

void ProgressQueries::StopWatching(uint64_t id) const {
  model_->RemoveListener(id);
}

}  // namespace svledger::app

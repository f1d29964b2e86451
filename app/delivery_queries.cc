// ProgressQueries::ListDeliveries: the review queue and a supplier's own
// reports with their outcomes, from the contract read model.

#include <algorithm>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/progress_queries.h"
#include "domain/framework_catalog.h"
#include "domain/ids.h"

namespace svledger::app {
namespace {

v1::DeliveryState StateOf(const domain::DeliveryRecord& d) {
  if (!d.superseded_by.empty()) return v1::DELIVERY_SUPERSEDED;
  switch (d.state) {
    case domain::DeliveryState::kPending:
      return v1::DELIVERY_PENDING;
    case domain::DeliveryState::kVerified:
      return v1::DELIVERY_VERIFIED;
    case domain::DeliveryState::kRejected:
      return v1::DELIVERY_REJECTED;
  }
  return v1::DELIVERY_STATE_UNSPECIFIED;
}

// Deliveries are listed in this order: oldest report first, then by
// contract and delivery id (a total order, so pages never overlap).
struct SortKey {
  int64_t reported_micros = 0;
  std::string contract_id;
  std::string delivery_id;

  friend bool operator<(const SortKey& a, const SortKey& b) {
    return std::tie(a.reported_micros, a.contract_id, a.delivery_id) <
           std::tie(b.reported_micros, b.contract_id, b.delivery_id);
  }
};

// A page token is the last key of the previous page:
// "<reported unix micros>/<contract id>/<delivery id>".
std::string TokenOf(const SortKey& key) {
  return absl::StrCat(key.reported_micros, "/", key.contract_id, "/",
                      key.delivery_id);
}

absl::StatusOr<SortKey> ParseToken(const std::string& token) {
  std::vector<std::string> parts = absl::StrSplit(token, '/');
  SortKey key;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &key.reported_micros) ||
      !domain::CheckId(parts[1], "page_token").ok() ||
      !domain::CheckId(parts[2], "page_token").ok()) {
    return absl::InvalidArgumentError(
        "page_token: not a next_page_token of ListDeliveries");
  }
  key.contract_id = parts[1];
  key.delivery_id = parts[2];
  return key;
}

// The delivery as ListDeliveries shows it; `library` names its measure.
v1::DeliveryView ViewOf(const domain::ContractState& s,
                        const domain::DeliveryRecord& d,
                        const v1::MeasureLibrary& library) {
  v1::DeliveryView v;
  v.set_contract_id(s.contract.contract_id());
  v.set_contract_title(s.contract.title());
  v.set_council(s.contract.framework().id());
  v.set_supplier_id(s.contract.supplier_id());
  v.set_supplier_name(s.contract.supplier_name());
  v.set_commitment_id(d.report.commitment_id());
  if (auto c = s.commitments.find(d.report.commitment_id());
      c != s.commitments.end()) {
    v.set_measure_id(c->second.terms.measure_id());
    if (const v1::Measure* m = domain::FindMeasure(library, v.measure_id());
        m != nullptr) {
      v.set_measure_wording(m->wording());
      v.set_unit(m->unit());
    }
  }
  *v.mutable_report() = d.report;
  v.set_state(StateOf(d));
  v.mutable_reported()->set_unix_micros(absl::ToUnixMicros(d.recorded));
  v.set_reported_by(d.reported_by);
  v.set_on_behalf_of(d.on_behalf_of);
  if (!d.decided_by.empty()) {
    v.mutable_decided()->set_unix_micros(absl::ToUnixMicros(d.decided));
    v.set_decided_by(d.decided_by);
    v.set_reason(d.decision_note);
  }
  v.set_superseded_by(d.superseded_by);
  return v;
}

}  // namespace

absl::StatusOr<v1::ListDeliveriesResponse> ProgressQueries::ListDeliveries(
    const Caller& caller, const v1::ListDeliveriesRequest& request) const {
  if (request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: at most ", kMaxPageSize));
  }
  for (auto [value, field] :
       {std::pair{&request.contract_id(), "contract_id"},
        std::pair{&request.council(), "council"},
        std::pair{&request.supplier_id(), "supplier_id"}}) {
    if (value->empty()) continue;
    if (absl::Status s = domain::CheckId(*value, field); !s.ok()) return s;
  }
  if (!v1::DeliveryState_IsValid(request.state())) {
    return absl::InvalidArgumentError("state: unknown delivery state");
  }
  std::optional<absl::CivilDay> from, to;
  if (request.has_period_from()) {
    absl::StatusOr<absl::CivilDay> d =
        domain::ToCivilDay(request.period_from(), "period_from");
    if (!d.ok()) return d.status();
    from = *d;
  }
  if (request.has_period_to()) {
    absl::StatusOr<absl::CivilDay> d =
        domain::ToCivilDay(request.period_to(), "period_to");
    if (!d.ok()) return d.status();
    to = *d;
  }
  if (from && to && *to < *from) {
    return absl::InvalidArgumentError(
        "period_to: before period_from (the period runs from one to the "
        "other)");
  }
  std::optional<SortKey> after;
  if (!request.page_token().empty()) {
    absl::StatusOr<SortKey> key = ParseToken(request.page_token());
    if (!key.ok()) return key.status();
    after = *std::move(key);
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

  auto projection = model_->current();
  if (!request.contract_id().empty()) {
    absl::Status found = absl::NotFoundError(
        absl::StrCat("contract_id: no contract '", request.contract_id(), "'"));
    projection->Read(
        request.contract_id(), [&](const domain::ContractState& s) {
          found =
              MayDoOn(caller, Operation::kReadContract, TargetOf(s.contract));
        });
    if (!found.ok()) return found;
  }

  // The first page_size + 1 matches after the token, in order, built while
  // the read model's lock is held (its states may change once it is not):
  // a max-heap on the key keeps memory to a page whatever the queue's size.
  struct Match {
    SortKey key;
    v1::DeliveryView view;
  };
  auto later = [](const Match& a, const Match& b) { return a.key < b.key; };
  std::vector<Match> page;
  uint32_t total = 0;
  auto consider = [&](const domain::ContractState& s) {
    const v1::ContractRegistered& c = s.contract;
    if (!request.council().empty() && c.framework().id() != request.council()) {
      return;
    }
    if (!request.supplier_id().empty() &&
        c.supplier_id() != request.supplier_id()) {
      return;
    }
    if (!visible->Sees(TargetOf(c))) return;
    for (const auto& [id, d] : s.deliveries) {
      if (request.state() != v1::DELIVERY_STATE_UNSPECIFIED &&
          StateOf(d) != request.state()) {
        continue;
      }
      if (from && d.to < *from) continue;
      if (to && d.from > *to) continue;
      ++total;
      SortKey key{absl::ToUnixMicros(d.recorded), c.contract_id(), id};
      if (after && !(*after < key)) continue;
      if (page.size() == page_size + 1 && !(key < page.front().key)) continue;
      page.push_back({std::move(key),
                      ViewOf(s, d, *frameworks_->LibraryFor(c.framework()))});
      std::push_heap(page.begin(), page.end(), later);
      if (page.size() > page_size + 1) {
        std::pop_heap(page.begin(), page.end(), later);
        page.pop_back();
      }
    }
  };
  v1::ListDeliveriesResponse out;
  out.set_position(projection->applied());
  if (!request.contract_id().empty()) {
    projection->Read(request.contract_id(), consider);
  } else {
    projection->Scan("", [&](const domain::ContractState& s) {
      consider(s);
      return true;
    });
  }
  std::sort_heap(page.begin(), page.end(), later);
  out.set_total(total);
  if (page.size() > page_size) {
    page.pop_back();
    out.set_next_page_token(TokenOf(page.back().key));
  }
  for (Match& m : page) *out.add_deliveries() = std::move(m.view);
  return out;
}

}  // namespace svledger::app

#include "domain/standing.h"

#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/contract.h"

namespace svledger::domain {
namespace {

void AddCounts(const v1::CaseCounts& from, v1::CaseCounts& to) {
  to.set_opened(to.opened() + from.opened());
  to.set_open(to.open() + from.open());
  to.set_recovered(to.recovered() + from.recovered());
  to.set_remedied(to.remedied() + from.remedied());
  to.set_waived(to.waived() + from.waived());
  to.set_terminated(to.terminated() + from.terminated());
  to.set_withdrawn(to.withdrawn() + from.withdrawn());
}

// Adds a criterion's reason and clears `qualifies` when it is not met.
void Criterion(v1::StandingDecision& d, bool met, const std::string& reason) {
  d.add_reasons(absl::StrFormat("%s: %s", met ? "met" : "not met", reason));
  if (!met) d.set_qualifies(false);
}

// Whole months from `start` to the UTC day of `as_of`.
int MonthsRun(const v1::Date& start, const v1::Instant& as_of) {
  absl::StatusOr<absl::CivilDay> from = ToCivilDay(start, "start");
  if (!from.ok()) return 0;
  const absl::CivilDay to = absl::ToCivilDay(
      absl::FromUnixMicros(as_of.unix_micros()), absl::UTCTimeZone());
  int months = static_cast<int>((to.year() - from->year()) * 12 +
                                (to.month() - from->month()));
  if (to.day() < from->day()) --months;
  return months;
}

}  // namespace

v1::SupplierStanding BuildStanding(
    const std::vector<v1::ContractProgress>& contracts,
    const StandingRule& rule) {
  v1::SupplierStanding out;
  int live = 0, good = 0;
  for (const v1::ContractProgress& p : contracts) {
    AddCounts(p.cases(), *out.mutable_cases());
    for (const v1::CommitmentProgress& c : p.commitments()) {
      if (c.status() == v1::WITHDRAWN) continue;
      ++live;
      if (c.status() == v1::ON_TRACK || c.status() == v1::MET) ++good;
    }
  }
  out.set_on_track_share(live == 0 ? 0 : static_cast<double>(good) / live);

  v1::StandingDecision& endorse = *out.mutable_endorsement();
  endorse.set_qualifies(true);
  Criterion(endorse,
            live > 0 && out.on_track_share() >= rule.endorse_min_on_track_share,
            absl::StrFormat("%d of %d live commitments on track or met "
                            "(%.0f%%; needs %.0f%%)",
                            good, live, 100 * out.on_track_share(),
                            100 * rule.endorse_min_on_track_share));
  Criterion(endorse,
            static_cast<int>(out.cases().open()) <= rule.endorse_max_open_cases,
            absl::StrFormat("%d enforcement cases open (at most %d)",
                            out.cases().open(), rule.endorse_max_open_cases));
  if (rule.endorse_no_termination) {
    Criterion(endorse, out.cases().terminated() == 0,
              absl::StrFormat("%d cases ended in termination",
                              out.cases().terminated()));
  }

  for (const v1::ContractProgress& p : contracts) {
    if (p.closed()) continue;
    v1::ContractExtension& ext = *out.add_extensions();
    ext.set_contract_id(p.contract().contract_id());
    v1::StandingDecision& d = *ext.mutable_decision();
    d.set_qualifies(true);
    // Ratings run GOOD (1) to INADEQUATE (4): lower is better.
    Criterion(d,
              p.rating() != v1::KPI_RATING_UNSPECIFIED &&
                  p.rating() <= rule.extension_min_rating,
              absl::StrFormat("KPI rating %s (needs %s or better)",
                              v1::KpiRating_Name(p.rating()),
                              v1::KpiRating_Name(rule.extension_min_rating)));
    if (rule.extension_no_open_case) {
      Criterion(d, p.cases().open() == 0,
                absl::StrFormat("%d enforcement cases open", p.cases().open()));
    }
    const int months = MonthsRun(p.contract().start(), p.as_of());
    Criterion(d, months >= rule.extension_min_months,
              absl::StrFormat("run for %d months (needs %d)", months,
                              rule.extension_min_months));
  }
  return out;
}

}  // namespace svledger::domain

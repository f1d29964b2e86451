#include "domain/progress.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "domain/enforcement.h"
#include "domain/framework_catalog.h"

namespace svledger::domain {
namespace {

// A figure the rules wrote (always decimal text).
Decimal Figure(const std::string& text) { return Decimal::ParseFigure(text); }

bool IsMeanMeasure(v1::Aggregation aggregation) {
  return aggregation == v1::LATEST || aggregation == v1::RATIO;
}

// Figures over a set of commitments, gathered one commitment at a time.
class RollupBuilder {
 public:
  // A contract's commitments arrive together, so a change of contract id
  // (compared by address: the caller's strings outlive the builder) counts
  // one more contract.
  void Add(const std::string& contract_id, const v1::CommitmentProgress& c) {
    if (&contract_id != last_contract_) {
      last_contract_ = &contract_id;
      ++contracts_;
    }
    ++commitments_;
    v1::StatusCounts& s = statuses_;
    switch (c.status()) {
      case v1::MET:
        s.set_met(s.met() + 1);
        break;
      case v1::ON_TRACK:
        s.set_on_track(s.on_track() + 1);
        break;
      case v1::AT_RISK:
        s.set_at_risk(s.at_risk() + 1);
        break;
      case v1::OFF_TRACK:
        s.set_off_track(s.off_track() + 1);
        break;
      case v1::MISSED:
        s.set_missed(s.missed() + 1);
        break;
      case v1::WITHDRAWN:
        s.set_withdrawn(s.withdrawn() + 1);
        break;
      default:
        break;
    }
    if (c.status() == v1::WITHDRAWN) return;
    ++live_;
    score_sum_ += CappedShare(Figure(c.delivered()), Figure(c.target()));
    promised_ += c.gbp_promised().pence();
    delivered_ += c.gbp_delivered().pence();
  }

  v1::Rollup Build() const {
    v1::Rollup r;
    r.set_contracts(contracts_);
    r.set_commitments(commitments_);
    *r.mutable_statuses() = statuses_;
    r.set_delivery_score(live_ == 0 ? 0 : score_sum_ / live_);
    r.mutable_gbp_promised()->set_pence(promised_);
    r.mutable_gbp_delivered()->set_pence(delivered_);
    return r;
  }

 private:
  const std::string* last_contract_ = nullptr;
  uint32_t contracts_ = 0;
  uint32_t commitments_ = 0;
  uint32_t live_ = 0;
  v1::StatusCounts statuses_;
  double score_sum_ = 0;
  int64_t promised_ = 0;
  int64_t delivered_ = 0;
};

// A measure's rollup: the figures above plus its quantities.
class MeasureBuilder {
 public:
  void Add(const std::string& contract_id, const v1::CommitmentProgress& c) {
    if (measure_id_.empty()) {
      measure_id_ = c.measure_id();
      wording_ = c.measure_wording();
      unit_ = c.unit();
      aggregation_ = c.aggregation();
    }
    rollup_.Add(contract_id, c);
    if (c.status() == v1::WITHDRAWN) return;
    ++live_;
    target_ += Figure(c.target());
    delivered_ += Figure(c.delivered());
    pending_ += Figure(c.pending());
  }

  // `measure_id`, `wording`: for a measure no commitment names yet.
  v1::MeasureRollup Build(const std::string& measure_id,
                          const std::string& wording) const {
    v1::MeasureRollup m;
    m.set_measure_id(measure_id_.empty() ? measure_id : measure_id_);
    m.set_wording(wording_.empty() ? wording : wording_);
    m.set_unit(unit_);
    m.set_aggregation(aggregation_);
    *m.mutable_rollup() = rollup_.Build();
    const int64_t n = IsMeanMeasure(aggregation_) && live_ > 0 ? live_ : 1;
    m.set_target(MulDiv(target_, 1, n).ToString());
    m.set_delivered(MulDiv(delivered_, 1, n).ToString());
    m.set_pending(MulDiv(pending_, 1, n).ToString());
    return m;
  }

 private:
  std::string measure_id_;
  std::string wording_;
  v1::Unit unit_ = v1::UNIT_UNSPECIFIED;
  v1::Aggregation aggregation_ = v1::AGGREGATION_UNSPECIFIED;
  RollupBuilder rollup_;
  uint32_t live_ = 0;
  Decimal target_;
  Decimal delivered_;
  Decimal pending_;
};

// The measures of `contracts` (or of those of one supplier) by measure id.
std::vector<v1::MeasureRollup> ByMeasure(
    const std::vector<v1::ContractProgress>& contracts) {
  std::map<std::string, MeasureBuilder> measures;
  for (const v1::ContractProgress& p : contracts) {
    for (const v1::CommitmentProgress& c : p.commitments()) {
      measures[c.measure_id()].Add(p.contract().contract_id(), c);
    }
  }
  std::vector<v1::MeasureRollup> out;
  for (const auto& [id, m] : measures) out.push_back(m.Build(id, ""));
  return out;
}

}  // namespace

v1::CommitmentStatus ToProto(CommitmentStatus status) {
  switch (status) {
    case CommitmentStatus::kMet:
      return v1::MET;
    case CommitmentStatus::kOnTrack:
      return v1::ON_TRACK;
    case CommitmentStatus::kAtRisk:
      return v1::AT_RISK;
    case CommitmentStatus::kOffTrack:
      return v1::OFF_TRACK;
    case CommitmentStatus::kMissed:
      return v1::MISSED;
    case CommitmentStatus::kWithdrawn:
      return v1::WITHDRAWN;
  }
  return v1::COMMITMENT_STATUS_UNSPECIFIED;
}

namespace {

// The enforcement side of a contract's view: cases, KPI rating and
// performance assessments.
void AddEnforcement(const ContractState& state, v1::ContractProgress& out) {
  const EnforcementState& e = state.enforcement;
  v1::CaseCounts& counts = *out.mutable_cases();
  std::map<std::string, const std::pair<const std::string, CaseRecord>*> open;
  for (const auto& entry : e.cases) {
    const CaseRecord& c = entry.second;
    counts.set_opened(counts.opened() + 1);
    if (!c.closed) {
      counts.set_open(counts.open() + 1);
      open[c.opened.commitment_id()] = &entry;
      continue;
    }
    switch (c.close_reason) {
      case v1::RECOVERED:
        counts.set_recovered(counts.recovered() + 1);
        break;
      case v1::REMEDIED:
        counts.set_remedied(counts.remedied() + 1);
        break;
      case v1::WAIVED:
        counts.set_waived(counts.waived() + 1);
        break;
      case v1::TERMINATED:
        counts.set_terminated(counts.terminated() + 1);
        break;
      case v1::COMMITMENT_WITHDRAWN:
        counts.set_withdrawn(counts.withdrawn() + 1);
        break;
      default:
        break;
    }
  }
  for (v1::CommitmentProgress& c : *out.mutable_commitments()) {
    if (auto it = open.find(c.commitment_id()); it != open.end()) {
      c.set_open_case_id(it->second->first);
      c.set_case_stage(it->second->second.stage);
    }
  }
  out.set_rating(RateKpis(out));
  *out.mutable_next_assessment_due() = NextAssessmentDue(state);
  // The latest assessment by date (the later recorded of one day).
  auto day = [](const v1::Date& d) {
    return std::make_tuple(d.year(), d.month(), d.day());
  };
  const v1::PerformanceAssessmentRecorded* latest = nullptr;
  for (const v1::PerformanceAssessmentRecorded& a : e.assessments) {
    if (latest == nullptr ||
        day(a.assessed_on()) >= day(latest->assessed_on())) {
      latest = &a;
    }
  }
  if (latest != nullptr) {
    out.set_last_assessed_rating(latest->rating());
    *out.mutable_last_assessed_on() = latest->assessed_on();
  }
}

}  // namespace

v1::ContractProgress BuildContractProgress(const ContractState& state,
                                           const v1::MeasureLibrary& library,
                                           absl::Time as_of) {
  v1::ContractProgress out;
  *out.mutable_contract() = state.contract;
  out.set_closed(state.closed);
  out.mutable_as_of()->set_unix_micros(absl::ToUnixMicros(as_of));
  std::vector<CommitmentOutcome> outcomes;
  int64_t promised = 0;
  int64_t delivered = 0;
  for (const CommitmentProgress& p : AssessContract(state, library, as_of)) {
    const CommitmentRecord& record = state.commitments.at(p.commitment_id);
    const v1::Measure* measure = FindMeasure(library, p.measure_id);
    v1::CommitmentProgress& c = *out.add_commitments();
    c.set_commitment_id(p.commitment_id);
    c.set_measure_id(p.measure_id);
    c.set_aggregation(v1::SUM);
    if (measure != nullptr) {
      c.set_measure_wording(measure->wording());
      c.set_unit(measure->unit());
      c.set_aggregation(measure->aggregation());
    }
    const Assessment& a = p.assessment;
    c.set_target(record.terms.target());  // as typed (and amended)
    c.set_delivered(a.delivered.ToString());
    c.set_pending(p.pending.ToString());
    c.set_rejected(p.rejected.ToString());
    c.set_expected(a.expected.ToString());
    c.set_elapsed(a.elapsed);
    c.set_percent_of_target(PercentOf(a.delivered, p.target).ToString());
    c.set_status(ToProto(a.status));
    c.set_measure_library_version(library.version());
    c.set_has_plan(record.terms.plan_size() > 0);
    *c.mutable_start() = record.terms.start();
    *c.mutable_due() = record.terms.due();
    c.set_locality(record.terms.locality());
    c.set_amendments(record.amendments.size());
    if (measure != nullptr && measure->has_proxy()) {
      const Decimal rate =
          Decimal::FromLegacyDouble(measure->proxy().gbp_per_unit());
      c.set_has_proxy_value(true);
      c.set_proxy_edition(measure->proxy().edition());
      c.mutable_gbp_promised()->set_pence(RoundToPence(p.target, rate));
      c.mutable_gbp_delivered()->set_pence(RoundToPence(a.delivered, rate));
      if (!record.withdrawn) {
        promised += c.gbp_promised().pence();
        delivered += c.gbp_delivered().pence();
      }
    }
    outcomes.push_back(
        {.status = a.status, .delivered = a.delivered, .target = p.target});
  }
  if (std::optional<CommitmentStatus> worst = ContractStatus(outcomes)) {
    out.set_status(ToProto(*worst));
  }
  out.set_delivery_score(DeliveryScore(outcomes).value_or(0));
  out.mutable_gbp_promised()->set_pence(promised);
  out.mutable_gbp_delivered()->set_pence(delivered);
  AddEnforcement(state, out);
  return out;
}

v1::ContractSummary Summarize(const v1::ContractProgress& progress) {
  const v1::ContractRegistered& c = progress.contract();
  v1::ContractSummary s;
  s.set_contract_id(c.contract_id());
  s.set_title(c.title());
  *s.mutable_framework() = c.framework();
  s.set_supplier_id(c.supplier_id());
  s.set_supplier_name(c.supplier_name());
  *s.mutable_value() = c.value();
  *s.mutable_start() = c.start();
  *s.mutable_end() = c.end();
  s.set_closed(progress.closed());
  s.set_status(progress.status());
  s.set_delivery_score(progress.delivery_score());
  s.set_commitments(progress.commitments_size());
  *s.mutable_gbp_promised() = progress.gbp_promised();
  *s.mutable_gbp_delivered() = progress.gbp_delivered();
  s.set_rating(progress.rating());
  *s.mutable_cases() = progress.cases();
  *s.mutable_next_assessment_due() = progress.next_assessment_due();
  return s;
}

v1::CouncilSummary BuildCouncilSummary(
    const v1::Framework& latest, FrameworkLookup lookup,
    const std::vector<v1::ContractProgress>& contracts) {
  // (theme index, outcome index) in `latest` by (theme id, outcome id).
  std::map<std::pair<std::string, std::string>, std::pair<int, int>> slots;
  for (int t = 0; t < latest.themes_size(); ++t) {
    for (int o = 0; o < latest.themes(t).outcomes_size(); ++o) {
      slots[{latest.themes(t).id(), latest.themes(t).outcomes(o).id()}] = {t,
                                                                           o};
    }
  }
  std::vector<RollupBuilder> themes(latest.themes_size());
  std::vector<std::vector<RollupBuilder>> outcomes(latest.themes_size());
  // Per outcome, the measures it names, by id.
  std::vector<std::vector<std::map<std::string, MeasureBuilder>>> measures(
      latest.themes_size());
  for (int t = 0; t < latest.themes_size(); ++t) {
    outcomes[t].resize(latest.themes(t).outcomes_size());
    measures[t].resize(latest.themes(t).outcomes_size());
  }
  RollupBuilder total;
  RollupBuilder unmapped;

  // measure id -> the (theme, outcome) slots naming it, per framework
  // version the contracts pin (computed once per version).
  using Placement = std::map<std::string, std::set<std::pair<int, int>>>;
  std::map<const v1::Framework*, Placement> placements;
  for (const v1::ContractProgress& p : contracts) {
    const v1::FrameworkRef& ref = p.contract().framework();
    const v1::Framework* pinned = lookup(ref.id(), ref.version());
    if (pinned == nullptr) pinned = &latest;
    auto [slot_of, inserted] = placements.try_emplace(pinned);
    Placement& placement = slot_of->second;
    if (inserted) {
      for (const v1::Theme& theme : pinned->themes()) {
        for (const v1::Outcome& outcome : theme.outcomes()) {
          auto slot = slots.find({theme.id(), outcome.id()});
          if (slot == slots.end()) continue;
          for (const v1::MeasureRef& m : outcome.measures()) {
            placement[m.measure_id()].insert(slot->second);
          }
        }
      }
    }
    const std::string& contract_id = p.contract().contract_id();
    for (const v1::CommitmentProgress& c : p.commitments()) {
      total.Add(contract_id, c);
      auto it = placement.find(c.measure_id());
      if (it == placement.end()) {
        unmapped.Add(contract_id, c);
        continue;
      }
      std::set<int> themes_counted;
      for (auto [t, o] : it->second) {
        if (themes_counted.insert(t).second) themes[t].Add(contract_id, c);
        outcomes[t][o].Add(contract_id, c);
        measures[t][o][c.measure_id()].Add(contract_id, c);
      }
    }
  }

  v1::CouncilSummary out;
  out.set_council(latest.id());
  out.set_council_name(latest.council());
  out.set_framework_version(latest.version());
  out.set_theme_label(latest.theme_label());
  *out.mutable_total() = total.Build();
  out.mutable_total()->set_contracts(contracts.size());
  *out.mutable_unmapped() = unmapped.Build();
  for (int t = 0; t < latest.themes_size(); ++t) {
    const v1::Theme& theme = latest.themes(t);
    v1::ThemeRollup& tr = *out.add_themes();
    tr.set_theme_id(theme.id());
    tr.set_name(theme.name());
    *tr.mutable_rollup() = themes[t].Build();
    for (int o = 0; o < theme.outcomes_size(); ++o) {
      const v1::Outcome& outcome = theme.outcomes(o);
      v1::OutcomeRollup& orr = *tr.add_outcomes();
      orr.set_outcome_id(outcome.id());
      orr.set_name(outcome.name());
      *orr.mutable_rollup() = outcomes[t][o].Build();
      std::set<std::string> shown;
      for (const v1::MeasureRef& ref : outcome.measures()) {
        if (!shown.insert(ref.measure_id()).second) continue;
        *orr.add_measures() = measures[t][o][ref.measure_id()].Build(
            ref.measure_id(), ref.wording());
      }
    }
  }
  for (v1::MeasureRollup& m : ByMeasure(contracts)) {
    *out.add_measures() = std::move(m);
  }
  return out;
}

v1::SupplierScorecard BuildSupplierScorecard(
    absl::string_view supplier_id,
    const std::vector<v1::ContractProgress>& contracts,
    const StandingRule& rule) {
  v1::SupplierScorecard out;
  out.set_supplier_id(std::string(supplier_id));
  RollupBuilder total;
  for (const v1::ContractProgress& p : contracts) {
    if (out.supplier_name().empty()) {
      out.set_supplier_name(p.contract().supplier_name());
    }
    *out.add_contracts() = Summarize(p);
    for (const v1::CommitmentProgress& c : p.commitments()) {
      total.Add(p.contract().contract_id(), c);
    }
  }
  *out.mutable_total() = total.Build();
  out.mutable_total()->set_contracts(contracts.size());
  for (v1::MeasureRollup& m : ByMeasure(contracts)) {
    *out.add_measures() = std::move(m);
  }
  *out.mutable_standing() = BuildStanding(contracts, rule);
  return out;
}

}  // namespace svledger::domain

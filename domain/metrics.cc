#include "domain/metrics.h"

#include <map>

#include "domain/decimal.h"

namespace svledger::domain {

std::string MetricUnit(v1::Unit unit) {
  return v1::Unit_Name(unit == v1::UNIT_UNSPECIFIED ? v1::COUNT : unit);
}

CouncilMetrics BuildCouncilMetrics(
    const v1::CouncilSummary& summary,
    const std::vector<v1::ContractProgress>& contracts,
    const std::vector<v1::EnforcementCase>& open_cases) {
  CouncilMetrics out;
  const std::string& council = summary.council();
  for (const v1::ThemeRollup& theme : summary.themes()) {
    for (const v1::OutcomeRollup& outcome : theme.outcomes()) {
      for (const v1::MeasureRollup& m : outcome.measures()) {
        const v1::Rollup& r = m.rollup();
        const double target = DisplayDouble(m.target());
        if (r.commitments() <= r.statuses().withdrawn() || !(target > 0)) {
          continue;  // nothing promised: absent, not 0 / 0
        }
        const std::string unit = MetricUnit(m.unit());
        std::vector<std::pair<std::string, std::string>> labels = {
            {"council", council},
            {"theme", theme.theme_id()},
            {"outcome", outcome.outcome_id()},
            {"measure", m.measure_id()},
            {"unit", unit}};
        std::vector<std::pair<std::string, std::string>> info = labels;
        info.pop_back();
        info.insert(info.end(), {{"theme_name", theme.name()},
                                 {"outcome_name", outcome.name()},
                                 {"measure_name", m.wording()},
                                 {"unit", unit}});
        out.measure_info.push_back({std::move(info), 1});
        out.delivered.push_back({labels, DisplayDouble(m.delivered())});
        out.target.push_back({std::move(labels), target});
      }
    }
    const v1::Rollup& r = theme.rollup();
    if (r.gbp_promised().pence() > 0) {
      out.gbp.push_back({{{"council", council},
                          {"theme", theme.theme_id()},
                          {"kind", "promised"}},
                         r.gbp_promised().pence() / 100.0});
      out.gbp.push_back({{{"council", council},
                          {"theme", theme.theme_id()},
                          {"kind", "delivered"}},
                         r.gbp_delivered().pence() / 100.0});
    }
  }
  const v1::StatusCounts& s = summary.total().statuses();
  for (auto [status, n] :
       {std::pair{v1::MET, s.met()}, std::pair{v1::ON_TRACK, s.on_track()},
        std::pair{v1::AT_RISK, s.at_risk()},
        std::pair{v1::OFF_TRACK, s.off_track()},
        std::pair{v1::MISSED, s.missed()},
        std::pair{v1::WITHDRAWN, s.withdrawn()}}) {
    out.commitments.push_back(
        {{{"council", council}, {"status", v1::CommitmentStatus_Name(status)}},
         static_cast<double>(n)});
  }
  std::map<v1::KpiRating, int> ratings = {{v1::KPI_RATING_UNSPECIFIED, 0},
                                          {v1::GOOD, 0},
                                          {v1::APPROACHING_TARGET, 0},
                                          {v1::REQUIRES_IMPROVEMENT, 0},
                                          {v1::INADEQUATE, 0}};
  for (const v1::ContractProgress& p : contracts) ++ratings[p.rating()];
  for (const auto& [rating, n] : ratings) {
    out.contracts.push_back({{{"council", council},
                              {"rating", rating == v1::KPI_RATING_UNSPECIFIED
                                             ? "UNRATED"
                                             : v1::KpiRating_Name(rating)}},
                             static_cast<double>(n)});
  }
  std::map<v1::EnforcementStage, int> stages;
  int overdue = 0;
  for (int st = v1::NOTICE; st <= v1::TERMINATION_RECOMMENDED; ++st) {
    stages[static_cast<v1::EnforcementStage>(st)] = 0;
  }
  for (const v1::EnforcementCase& c : open_cases) {
    if (c.state() != v1::CASE_OPEN) continue;
    ++stages[c.stage()];
    if (c.overdue()) ++overdue;
  }
  for (const auto& [stage, n] : stages) {
    out.cases_open.push_back(
        {{{"council", council}, {"stage", v1::EnforcementStage_Name(stage)}},
         static_cast<double>(n)});
  }
  out.cases_overdue.push_back(
      {{{"council", council}}, static_cast<double>(overdue)});
  return out;
}

}  // namespace svledger::domain

#ifndef SVLEDGER_DOMAIN_METRICS_H_
#define SVLEDGER_DOMAIN_METRICS_H_

// The social value a council's dashboards show, as plain samples: computed
// at scrape time from the same views the API serves (progress.h, cases.h),
// so a metric never drifts from the truth after a restart or a rebuild.
// Pure; the Prometheus exposition is observability/domain_metrics.h's.
//
// Label sets are bounded by the frameworks (themes, outcomes, measures) and
// the enums (status, rating, stage): nothing per contract, supplier or
// delivery.

#include <string>
#include <utility>
#include <vector>

#include "svledger/v1/cases.pb.h"
#include "svledger/v1/progress.pb.h"

namespace svledger::domain {

struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct CouncilMetrics {
  // {council, theme, outcome, measure, unit}: verified delivered and target
  // (SUM measures: totals; LATEST and RATIO: means over commitments). Only
  // measures with a live (not withdrawn) commitment and a target above
  // zero: a measure nobody has promised anything towards has no series,
  // never a 0 whose ratio delivered / target is NaN. A theme or outcome
  // none of whose measures has one is absent with them. `unit` is
  // MetricUnit's, never UNIT_UNSPECIFIED.
  std::vector<MetricSample> delivered;
  std::vector<MetricSample> target;
  // {council, theme, outcome, measure, theme_name, outcome_name,
  // measure_name, unit}, value 1: the names the dashboards show, from the
  // council's latest framework, for exactly the measures that have
  // delivered and target series (join on council, theme, outcome,
  // measure).
  std::vector<MetricSample> measure_info;
  // {council, theme, kind="promised"|"delivered"}, in pounds; only themes
  // with a proxy value.
  std::vector<MetricSample> gbp;
  // {council, status}: live and withdrawn commitments, every status listed.
  std::vector<MetricSample> commitments;
  // {council, rating}: contracts by KPI rating, every rating listed
  // ("UNRATED" for contracts without a live commitment).
  std::vector<MetricSample> contracts;
  // {council, stage}: open cases, every stage listed.
  std::vector<MetricSample> cases_open;
  // {council}: open cases past their stage's due time.
  std::vector<MetricSample> cases_overdue;
};

// The `unit` label of a measure's series: the unit's enum name (e.g.
// "PEOPLE", "GBP", "PERCENT"), and "COUNT" for a measure whose unit is
// unspecified (a number of things is what such a measure counts).
std::string MetricUnit(v1::Unit unit);

// The samples of one council from its summary (BuildCouncilSummary), its
// contracts' progress and its open cases (BuildCase), all judged at one
// time.
CouncilMetrics BuildCouncilMetrics(
    const v1::CouncilSummary& summary,
    const std::vector<v1::ContractProgress>& contracts,
    const std::vector<v1::EnforcementCase>& open_cases);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_METRICS_H_

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
  // (SUM measures: totals; LATEST and RATIO: means over commitments).
  std::vector<MetricSample> delivered;
  std::vector<MetricSample> target;
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

// The samples of one council from its summary (BuildCouncilSummary), its
// contracts' progress and its open cases (BuildCase), all judged at one
// time.
CouncilMetrics BuildCouncilMetrics(
    const v1::CouncilSummary& summary,
    const std::vector<v1::ContractProgress>& contracts,
    const std::vector<v1::EnforcementCase>& open_cases);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_METRICS_H_

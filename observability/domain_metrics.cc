#include "observability/domain_metrics.h"

#include <map>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "domain/cases.h"
#include "domain/metrics.h"
#include "domain/progress.h"

namespace svledger::observability {
namespace {

prometheus::MetricFamily Gauge(std::string name, std::string help) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = prometheus::MetricType::Gauge;
  return f;
}

void Add(prometheus::MetricFamily& family,
         const std::vector<domain::MetricSample>& samples) {
  for (const domain::MetricSample& s : samples) {
    prometheus::ClientMetric m;
    for (const auto& [name, value] : s.labels) m.label.push_back({name, value});
    m.gauge.value = s.value;
    family.metric.push_back(std::move(m));
  }
}

// Contracts judged under one hold of the projection's lock: about 12 us of
// work each (2,000 contracts of 10 commitments in 25 ms), so under half a
// millisecond a hold.
constexpr int kContractsPerLock = 32;

// One council's contracts and open cases, judged at one time.
struct Council {
  std::vector<v1::ContractProgress> contracts;
  std::vector<v1::EnforcementCase> open_cases;
};

}  // namespace

DomainMetricsCollector::DomainMetricsCollector(
    projections::ContractReadModel* model,
    const app::FrameworkStore* frameworks, Clock* clock,
    DomainMetricsOptions options)
    : model_(model),
      frameworks_(frameworks),
      clock_(clock),
      options_(options) {}

std::vector<prometheus::MetricFamily> DomainMetricsCollector::Collect() const {
  const absl::Time started = absl::Now();
  const absl::Time now = clock_->Now();
  std::map<std::string, Council> councils;
  // The projection is read a few contracts at a time, so that a scrape
  // never holds its lock for long: the projection goes on applying the log
  // (and queries go on reading it) while a scrape over every contract runs.
  // Each contract is judged whole; the scrape as a whole may see later
  // events for later contracts, which a gauge can live with.
  std::string after;
  for (bool more = true; more;) {
    more = false;
    int taken = 0;
    model_->current()->Scan(after, [&](const domain::ContractState& s) {
      if (taken++ == kContractsPerLock) {
        more = true;
        return false;
      }
      after = s.contract.contract_id();
      Council& council = councils[s.contract.framework().id()];
      council.contracts.push_back(domain::BuildContractProgress(
          s, *frameworks_->LibraryFor(s.contract.framework()), now));
      const int stage_days =
          domain::StageDays(frameworks_->LadderOf(s.contract.framework()));
      for (const auto& [id, c] : s.enforcement.cases) {
        if (!c.closed) {
          council.open_cases.push_back(
              domain::BuildCase(s, id, c, stage_days, now));
        }
      }
      return true;
    });
  }

  std::vector<prometheus::MetricFamily> out = {
      Gauge("svledger_social_value_delivered",
            "Verified social value delivered, in the measure's unit (SUM "
            "measures: totals; LATEST and RATIO: means over commitments)."),
      Gauge("svledger_social_value_target",
            "Social value promised, in the measure's unit (as delivered)."),
      Gauge("svledger_social_value_gbp",
            "Social value in pounds where measures have proxy values."),
      Gauge("svledger_commitments", "Commitments by status."),
      Gauge("svledger_contracts",
            "Contracts by Procurement Act 2023 KPI rating."),
      Gauge("svledger_enforcement_cases_open", "Open enforcement cases."),
      Gauge("svledger_enforcement_cases_overdue",
            "Open enforcement cases past their stage's due time."),
      Gauge("svledger_measure_info",
            "1 per measure with delivered and target series: its theme's, "
            "outcome's and measure's names and its unit, to join on "
            "(council, theme, outcome, measure).")};
  std::vector<std::shared_ptr<const v1::Framework>> keep;  // for `lookup`
  auto lookup = [&](const std::string& id,
                    uint32_t version) -> const v1::Framework* {
    keep.push_back(frameworks_->Get(id, version));
    return keep.back().get();
  };
  for (const auto& [id, council] : councils) {
    std::shared_ptr<const v1::Framework> latest = frameworks_->Latest(id);
    v1::CouncilSummary summary;
    if (latest != nullptr) {
      summary = domain::BuildCouncilSummary(*latest, lookup, council.contracts);
    }
    summary.set_council(id);
    const domain::CouncilMetrics m = domain::BuildCouncilMetrics(
        summary, council.contracts, council.open_cases);
    Add(out[0], m.delivered);
    Add(out[1], m.target);
    Add(out[2], m.gbp);
    Add(out[3], m.commitments);
    Add(out[4], m.contracts);
    Add(out[5], m.cases_open);
    Add(out[6], m.cases_overdue);
    Add(out[7], m.measure_info);
  }

  if (options_.per_contract) {
    prometheus::MetricFamily score = Gauge(
        "svledger_contract_delivery_score",
        "Per contract (opt-in): mean of min(1, delivered / target), 0-1.");
    prometheus::MetricFamily cases =
        Gauge("svledger_contract_open_cases",
              "Per contract (opt-in): open enforcement cases.");
    size_t shown = 0, dropped = 0;
    for (const auto& [id, council] : councils) {
      for (const v1::ContractProgress& p : council.contracts) {
        if (shown == options_.max_contracts) {
          ++dropped;
          continue;
        }
        ++shown;
        const std::vector<std::pair<std::string, std::string>> labels = {
            {"council", id}, {"contract", p.contract().contract_id()}};
        Add(score, {{labels, p.delivery_score()}});
        Add(cases, {{labels, static_cast<double>(p.cases().open())}});
      }
    }
    prometheus::MetricFamily dropped_family =
        Gauge("svledger_metrics_contracts_dropped",
              "Contracts left out of the per-contract series by the cap.");
    Add(dropped_family, {{{}, static_cast<double>(dropped)}});
    prometheus::MetricFamily cap_family =
        Gauge("svledger_metrics_contracts_cap",
              "The most contracts given per-contract series.");
    Add(cap_family, {{{}, static_cast<double>(options_.max_contracts)}});
    out.push_back(std::move(score));
    out.push_back(std::move(cases));
    out.push_back(std::move(dropped_family));
    out.push_back(std::move(cap_family));
  }
  prometheus::MetricFamily took =
      Gauge("svledger_metrics_collect_seconds",
            "How long computing the domain metrics took at this scrape.");
  Add(took, {{{}, absl::ToDoubleSeconds(absl::Now() - started)}});
  out.push_back(std::move(took));
  return out;
}

}  // namespace svledger::observability

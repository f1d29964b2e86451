#ifndef SVLEDGER_OBSERVABILITY_DOMAIN_METRICS_H_
#define SVLEDGER_OBSERVABILITY_DOMAIN_METRICS_H_

#include <cstddef>
#include <vector>

#include "app/framework_store.h"
#include "common/clock.h"
#include "projections/contract_read_model.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace svledger::observability {

struct DomainMetricsOptions {
  // Also export per-contract series (svledger_contract_delivery_score,
  // svledger_contract_open_cases). Default false: label sets stay bounded
  // by the frameworks.
  bool per_contract = false;
  // At most this many contracts get per-contract series; the rest are
  // counted in svledger_metrics_contracts_dropped. Default 1000.
  size_t max_contracts = 1000;
};

// The domain metrics (domain/metrics.h), computed at each scrape from the
// contract read model judged at the clock's now: social value delivered
// against target by council, theme, outcome and measure; £ by theme;
// commitments by status; contracts by KPI rating; open and overdue
// enforcement cases; each measure's names (svledger_measure_info). Only
// measures something is promised towards have series (domain/metrics.h).
// Nothing is counted by hand, so nothing drifts after a
// restart or a rebuild.
//
// Thread-safe. Everything passed in must outlive it.
class DomainMetricsCollector final : public prometheus::Collectable {
 public:
  DomainMetricsCollector(projections::ContractReadModel* model,
                         const app::FrameworkStore* frameworks, Clock* clock,
                         DomainMetricsOptions options = {});

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  projections::ContractReadModel* const model_;
  const app::FrameworkStore* const frameworks_;
  Clock* const clock_;
  const DomainMetricsOptions options_;
};

}  // namespace svledger::observability

#endif  // SVLEDGER_OBSERVABILITY_DOMAIN_METRICS_H_

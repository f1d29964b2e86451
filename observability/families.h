#ifndef SVLEDGER_OBSERVABILITY_FAMILIES_H_
#define SVLEDGER_OBSERVABILITY_FAMILIES_H_

// Building metric families by hand, for collectors that read their values
// at scrape time.

#include <string>
#include <utility>
#include <vector>

#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"

namespace svledger::observability {

inline prometheus::MetricFamily Family(std::string name, std::string help,
                                       prometheus::MetricType type) {
  prometheus::MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

// Adds one sample: a counter's or a gauge's value, by the family's type.
inline void AddValue(prometheus::MetricFamily& f, double value,
                     std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  if (f.type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
}

}  // namespace svledger::observability

#endif  // SVLEDGER_OBSERVABILITY_FAMILIES_H_

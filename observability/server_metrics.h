#ifndef SVLEDGER_OBSERVABILITY_SERVER_METRICS_H_
#define SVLEDGER_OBSERVABILITY_SERVER_METRICS_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "eventstore/event_store.h"
#include "grpcpp/support/server_interceptor.h"
#include "projections/contract_read_model.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace svledger::observability {

// The server's operational metrics that are recorded as things happen,
// declared in one place: appends and group commits (from the event store's
// on_commit report) and gRPC calls (from MetricsInterceptorFactory).
// Families live in `registry`, which must outlive this.
//
// Thread-safe.
class ServerMetrics {
 public:
  explicit ServerMetrics(prometheus::Registry& registry);

  // For EventStoreOptions::on_commit.
  void OnCommit(const eventstore::CommitReport& report);

  // One finished call of `full_method` ("/package.Service/Method"). A call
  // refused UNAUTHENTICATED or PERMISSION_DENIED is also counted in
  // svledger_auth_denied_total{method,reason} and logged as one structured
  // line on stderr (the status message names no token; `peer` is the
  // client's address).
  void OnRpc(const std::string& full_method, const grpc::Status& status,
             absl::Duration latency, const std::string& peer = "");

  // One HTTP response of the HTTP/JSON API (http::HttpOptions::on_response):
  // svledger_http_responses_total{route,code} and
  // svledger_http_request_duration_seconds{route}. Its calls are counted
  // as gRPC calls too (svledger_rpcs_total), the bridge being a client.
  void OnHttp(absl::string_view route, int status, absl::Duration latency);

 private:
  prometheus::Histogram& append_duration_;
  prometheus::Histogram& commit_appends_;
  prometheus::Family<prometheus::Counter>& rpcs_;
  prometheus::Family<prometheus::Histogram>& rpc_duration_;
  prometheus::Family<prometheus::Counter>& auth_denied_;
  prometheus::Family<prometheus::Counter>& http_responses_;
  prometheus::Family<prometheus::Histogram>& http_duration_;
  static constexpr int kMaxDenialLinesPerSecond = 20;
  std::atomic<int64_t> denial_second_{0};
  std::atomic<int> denial_lines_{0};
};

// Creates an interceptor per call that reports it to `metrics` when its
// status is sent. `metrics` must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MetricsInterceptorFactory(ServerMetrics* metrics);

// Gauges and counters read at scrape time from what the components already
// know: the log's head and counts, each projection's checkpoint and lag,
// open streams, the enforcement policy's failures, RocksDB sizes.
//
// Thread-safe. Everything passed in must outlive it.
// The gRPC port's connections (server/listener.h).
struct ConnectionCounts {
  size_t open = 0;
  uint64_t over_limit = 0;          // closed on arrival: the cap was reached
  uint64_t out_of_descriptors = 0;  // accepts that found no descriptor free
};
struct ScrapeSources {
  const eventstore::EventStore* store = nullptr;
  projections::ContractReadModel* read_model = nullptr;
  // Open streams by kind ("subscribe", "watch_alerts", "watch_contract").
  std::vector<std::pair<std::string, std::function<size_t()>>> streams;
  // Streams ended because their reader stopped reading, by kind.
  std::vector<std::pair<std::string, std::function<uint64_t()>>> stalled;
  // The enforcement policy's failed evaluations; null without a policy.
  std::function<uint64_t()> policy_failures;
  // Events of the log that a reader other than a projection could not
  // apply and skipped, by reader ("contract_commands", "frameworks").
  std::vector<std::pair<std::string, std::function<uint64_t()>>> skipped;
  // The framework catalogue's failed catch-ups with the log (each is tried
  // again); null to leave it out.
  std::function<uint64_t()> framework_follow_failures;
  // The descriptor limit in force, and the gRPC port's connections; 0 and
  // null to leave them out.
  uint64_t descriptor_limit = 0;
  std::function<ConnectionCounts()> connections;
};
class OperationalCollector final : public prometheus::Collectable {
 public:
  explicit OperationalCollector(ScrapeSources sources);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const ScrapeSources sources_;
};

}  // namespace svledger::observability

#endif  // SVLEDGER_OBSERVABILITY_SERVER_METRICS_H_

#include "observability/server_metrics.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/interceptor.h"
#include "observability/families.h"

namespace svledger::observability {
namespace {

// Seconds, from 100 µs to about 3 s.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
}

class MetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(ServerMetrics* metrics, const char* method,
                     std::string peer)
      : metrics_(metrics),
        method_(method),
        peer_(std::move(peer)),
        start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_->OnRpc(method_, methods->GetSendStatus(), absl::Now() - start_,
                      peer_);
    }
    methods->Proceed();
  }

 private:
  ServerMetrics* const metrics_;
  const std::string method_;
  const std::string peer_;
  const absl::Time start_;
};

class Factory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(ServerMetrics* metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new MetricsInterceptor(metrics_, info->method(),
                                  info->server_context()->peer());
  }

 private:
  ServerMetrics* const metrics_;
};

// The reason label of a refusal: an UNAUTHENTICATED message starts with
// its auth::Refusal name ("expired: ..."); anything else is the code.
std::string DenialReason(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    return "permission_denied";
  }
  const std::string& message = status.error_message();
  const size_t colon = message.find(':');
  const std::string head =
      colon == std::string::npos ? "" : message.substr(0, colon);
  for (const char* known :
       {"missing_credential", "malformed", "too_large", "algorithm",
        "unknown_key", "bad_signature", "wrong_issuer", "wrong_audience",
        "expired", "not_yet_valid", "no_principal", "untrusted_certificate"}) {
    if (head == known) return head;
  }
  return "unauthenticated";
}

}  // namespace

ServerMetrics::ServerMetrics(prometheus::Registry& registry)
    : append_duration_(
          prometheus::BuildHistogram()
              .Name("svledger_append_duration_seconds")
              .Help("From an append's arrival at the event log to its "
                    "durable acknowledgement.")
              .Register(registry)
              .Add({}, LatencyBuckets())),
      commit_appends_(
          prometheus::BuildHistogram()
              .Name("svledger_group_commit_appends")
              .Help("Appends gathered into one group commit (one fsync).")
              .Register(registry)
              .Add({},
                   prometheus::Histogram::BucketBoundaries{
                       1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024})),
      rpcs_(prometheus::BuildCounter()
                .Name("svledger_grpc_requests_total")
                .Help("gRPC calls finished, by service, method and code.")
                .Register(registry)),
      rpc_duration_(prometheus::BuildHistogram()
                        .Name("svledger_grpc_request_duration_seconds")
                        .Help("gRPC call latency (streams: their lifetime), "
                              "by service and method.")
                        .Register(registry)),
      auth_denied_(prometheus::BuildCounter()
                       .Name("svledger_auth_denied_total")
                       .Help("Calls refused UNAUTHENTICATED or "
                             "PERMISSION_DENIED, by method and reason.")
                       .Register(registry)),
      http_responses_(
          prometheus::BuildCounter()
              .Name("svledger_http_responses_total")
              .Help("Responses of the HTTP/JSON API, by route "
                    "(rpc, stream, evidence, openapi, healthz, cors, "
                    "other) and HTTP status.")
              .Register(registry)),
      http_duration_(prometheus::BuildHistogram()
                         .Name("svledger_http_request_duration_seconds")
                         .Help("HTTP/JSON API request time, request in to "
                               "response sent (streams: their lifetime), "
                               "by route.")
                         .Register(registry)) {}

void ServerMetrics::OnHttp(absl::string_view route, int status,
                           absl::Duration latency) {
  const std::string r(route);
  http_responses_.Add({{"route", r}, {"code", absl::StrCat(status)}})
      .Increment();
  http_duration_.Add({{"route", r}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
}

void ServerMetrics::OnCommit(const eventstore::CommitReport& report) {
  commit_appends_.Observe(static_cast<double>(report.appends));
  for (absl::Duration d : report.latencies) {
    append_duration_.Observe(absl::ToDoubleSeconds(d));
  }
}

void ServerMetrics::OnRpc(const std::string& full_method,
                          const grpc::Status& status, absl::Duration latency,
                          const std::string& peer) {
  const grpc::StatusCode code = status.error_code();
  // "/svledger.v1.ContractService/ReportDelivery": the service's last dotted
  // part and the method.
  const size_t slash = full_method.rfind('/');
  std::string service = full_method.substr(0, slash);
  if (!service.empty() && service[0] == '/') service.erase(0, 1);
  const std::string method =
      slash == std::string::npos ? full_method : full_method.substr(slash + 1);
  rpcs_
      .Add({{"service", service},
            {"method", method},
            {"code",
             absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}})
      .Increment();
  rpc_duration_
      .Add({{"service", service}, {"method", method}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(latency));
  if (code == grpc::StatusCode::UNAUTHENTICATED ||
      code == grpc::StatusCode::PERMISSION_DENIED) {
    const std::string reason = DenialReason(status);
    auth_denied_.Add({{"method", method}, {"reason", reason}}).Increment();
    // Every refusal is counted; at most kMaxDenialLinesPerSecond are logged
    // a second, so that a flood of bad calls cannot flood the log.
    const int64_t second = absl::ToUnixSeconds(absl::Now());
    if (denial_second_.exchange(second) != second) denial_lines_ = 0;
    if (++denial_lines_ > kMaxDenialLinesPerSecond) return;
    std::fprintf(
        stderr,
        "svledger: auth_denied method=%s code=%s reason=%s peer=%s "
        "message=\"%s\"\n",
        full_method.c_str(),
        absl::StatusCodeToString(static_cast<absl::StatusCode>(code)).c_str(),
        reason.c_str(), peer.c_str(),
        absl::CEscape(status.error_message().substr(0, 300)).c_str());
  }
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MetricsInterceptorFactory(ServerMetrics* metrics) {
  return std::make_unique<Factory>(metrics);
}

OperationalCollector::OperationalCollector(ScrapeSources sources)
    : sources_(std::move(sources)) {}

std::vector<prometheus::MetricFamily> OperationalCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const uint64_t head = sources_.store->HeadPosition();
  const eventstore::EventStoreStats stats = sources_.store->Stats();

  auto head_family =
      Family("svledger_log_head_position",
             "The last durable position of the event log.", MetricType::Gauge);
  AddValue(head_family, static_cast<double>(head));
  out.push_back(std::move(head_family));
  auto appended = Family("svledger_events_appended_total",
                         "Events written to the log since the server started.",
                         MetricType::Counter);
  AddValue(appended, static_cast<double>(stats.events));
  out.push_back(std::move(appended));
  auto commits = Family("svledger_group_commits_total",
                        "Synced group commits since the server started.",
                        MetricType::Counter);
  AddValue(commits, static_cast<double>(stats.commits));
  out.push_back(std::move(commits));
  auto failed =
      Family("svledger_append_errors_total",
             "Group commits RocksDB failed to write.", MetricType::Counter);
  AddValue(failed, static_cast<double>(stats.failed_commits));
  out.push_back(std::move(failed));
  auto recoveries = Family(
      "svledger_log_recoveries_total",
      "Times the log reopened its database after a failed write or sync.",
      MetricType::Counter);
  AddValue(recoveries, static_cast<double>(stats.recoveries));
  out.push_back(std::move(recoveries));

  auto projection = sources_.read_model->current();
  const uint64_t applied = projection->applied();
  auto checkpoint = Family("svledger_projection_checkpoint",
                           "The last log position a projection has applied.",
                           MetricType::Gauge);
  AddValue(checkpoint, static_cast<double>(applied),
           {{"projection", "contracts"}});
  out.push_back(std::move(checkpoint));
  auto lag = Family("svledger_projection_lag_events",
                    "Durable events a projection has not applied yet.",
                    MetricType::Gauge);
  AddValue(lag, static_cast<double>(head > applied ? head - applied : 0),
           {{"projection", "contracts"}});
  out.push_back(std::move(lag));
  auto skipped = Family("svledger_projection_skipped_events",
                        "Events a projection could not apply and skipped.",
                        MetricType::Gauge);
  AddValue(skipped, static_cast<double>(projection->skipped()),
           {{"projection", "contracts"}});
  out.push_back(std::move(skipped));

  if (sources_.connections) {
    const ConnectionCounts counts = sources_.connections();
    auto open = Family("svledger_connections_open",
                       "Connections open on the gRPC port.", MetricType::Gauge);
    AddValue(open, static_cast<double>(counts.open));
    out.push_back(std::move(open));
    auto refused =
        Family("svledger_connections_refused_total",
               "Connections closed on arrival (limit: the connection cap was "
               "reached) or left waiting (descriptors: none was free).",
               MetricType::Counter);
    AddValue(refused, static_cast<double>(counts.over_limit),
             {{"reason", "limit"}});
    AddValue(refused, static_cast<double>(counts.out_of_descriptors),
             {{"reason", "descriptors"}});
    out.push_back(std::move(refused));
    auto limit = Family("svledger_descriptor_limit",
                        "The file descriptor limit in force (RLIMIT_NOFILE).",
                        MetricType::Gauge);
    AddValue(limit, static_cast<double>(sources_.descriptor_limit));
    out.push_back(std::move(limit));
  }
  auto streams = Family("svledger_streams_open",
                        "Server streams open, by kind.", MetricType::Gauge);
  for (const auto& [kind, count] : sources_.streams) {
    AddValue(streams, static_cast<double>(count()), {{"kind", kind}});
  }
  out.push_back(std::move(streams));
  auto stalled = Family(
      "svledger_streams_stalled_total",
      "Streams ended because their reader took nothing for too long, by kind.",
      MetricType::Counter);
  for (const auto& [kind, count] : sources_.stalled) {
    AddValue(stalled, static_cast<double>(count()), {{"kind", kind}});
  }
  out.push_back(std::move(stalled));

  if (sources_.policy_failures) {
    auto failures =
        Family("svledger_enforcement_policy_failures_total",
               "Enforcement evaluations that failed (each is tried again).",
               MetricType::Counter);
    AddValue(failures, static_cast<double>(sources_.policy_failures()));
    out.push_back(std::move(failures));
  }

  auto readers = Family(
      "svledger_skipped_events",
      "Events a reader of the log (not a projection) could not apply and "
      "skipped, by reader; nonzero means the log holds something unexpected.",
      MetricType::Gauge);
  for (const auto& [reader, count] : sources_.skipped) {
    AddValue(readers, static_cast<double>(count()), {{"reader", reader}});
  }
  out.push_back(std::move(readers));
  if (sources_.framework_follow_failures) {
    auto follow = Family(
        "svledger_framework_follow_failures_total",
        "Times the framework catalogue failed to catch up with the log (each "
        "is tried again).",
        MetricType::Counter);
    AddValue(follow, static_cast<double>(sources_.framework_follow_failures()));
    out.push_back(std::move(follow));
  }

  auto rocks =
      Family("svledger_rocksdb_bytes",
             "RocksDB sizes of the event log, by property.", MetricType::Gauge);
  for (const auto& [label, property] :
       {std::pair{"live_data", "rocksdb.estimate-live-data-size"},
        std::pair{"pending_compaction",
                  "rocksdb.estimate-pending-compaction-bytes"}}) {
    if (std::optional<uint64_t> v = sources_.store->IntProperty(property)) {
      AddValue(rocks, static_cast<double>(*v),
               {{"db", "log"}, {"property", label}});
    }
  }
  out.push_back(std::move(rocks));
  return out;
}

}  // namespace svledger::observability

// The Prometheus exposition: domain metrics computed at scrape time from
// the projections, equal to what the API says, the same after a restart,
// and valid for promtool.

#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/clock.h"
#include "domain/contract.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "tests/services/k1_fixture.h"
#include "tests/services/requests.h"
#include "tests/testing/http.h"
#include "tests/testing/temp_dir.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;

using svledger::testing::TempDir;

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

// The value of the sample of `name` whose labels include every one of
// `labels` (name="value" pairs), or nullopt.
std::optional<double> Sample(const std::string& text, const std::string& name,
                             const std::vector<std::string>& labels) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, name + "{") &&
        !absl::StartsWith(line, name + " ")) {
      continue;
    }
    bool all = true;
    for (const std::string& l : labels) all = all && absl::StrContains(line, l);
    if (!all) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value))
      return value;
  }
  return std::nullopt;
}

class MetricsTest : public testing::K1Fixture {
 protected:
  void Configure(ServerOptions& options) override {
    options.metrics.listen = "127.0.0.1:0";
  }

  std::string Scrape() {
    absl::StatusOr<std::string> body =
        testing::HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.value_or("");
  }
};

TEST_F(MetricsTest, DomainMetricsFollowTheLogAndSurviveARestart) {
  const std::vector<std::string> norwich = {"council=\"norwich\""};
  std::string text = Scrape();
  // Too early to judge: one commitment ON_TRACK, every status listed.
  EXPECT_EQ(Sample(text, "svledger_commitments",
                   {"council=\"norwich\"", "status=\"ON_TRACK\""}),
            1);
  EXPECT_EQ(Sample(text, "svledger_commitments",
                   {"council=\"norwich\"", "status=\"OFF_TRACK\""}),
            0);
  EXPECT_EQ(Sample(text, "svledger_social_value_target",
                   {"council=\"norwich\"", "measure=\"jobs.new_local\"",
                    "unit=\"FTE\""}),
            24);
  EXPECT_EQ(Sample(text, "svledger_social_value_delivered",
                   {"council=\"norwich\"", "measure=\"jobs.new_local\""}),
            0);
  // The measure's names, to join on for the dashboards' legends.
  EXPECT_EQ(
      Sample(text, "svledger_measure_info",
             {"council=\"norwich\"", "theme=\"people\"", "outcome=\"o1\"",
              "measure=\"jobs.new_local\"", "theme_name=\"People living well\"",
              "outcome_name=\"Increased employment opportunities for "
              "residents\"",
              "unit=\"FTE\""}),
      1);
  // Measures (and so themes and outcomes) nobody has promised anything
  // towards have no series at all: no 0 / 0 for a dashboard to show as
  // NaN, no unit left unspecified.
  for (const char* name :
       {"svledger_social_value_delivered", "svledger_social_value_target",
        "svledger_measure_info"}) {
    EXPECT_EQ(Sample(text, name, {"measure=\"apprenticeships.new\""}),
              std::nullopt)
        << name;
    EXPECT_EQ(Sample(text, name, {"theme=\"neighbourhoods\""}), std::nullopt)
        << name;
  }
  EXPECT_FALSE(absl::StrContains(text, "UNIT_UNSPECIFIED"));
  EXPECT_FALSE(absl::StrContains(text, "NaN"));

  // Six months without delivering: off track, a case at NOTICE.
  clock_.Set(domain::StartOfDay(D(2025, 7, 2)));
  ASSERT_TRUE(policy_->Sweep().ok());
  ASSERT_TRUE(Settle());
  text = Scrape();
  EXPECT_EQ(Sample(text, "svledger_commitments",
                   {"council=\"norwich\"", "status=\"OFF_TRACK\""}),
            1);
  EXPECT_EQ(Sample(text, "svledger_contracts",
                   {"council=\"norwich\"", "rating=\"INADEQUATE\""}),
            1);
  EXPECT_EQ(Sample(text, "svledger_enforcement_cases_open",
                   {"council=\"norwich\"", "stage=\"NOTICE\""}),
            1);
  EXPECT_EQ(Sample(text, "svledger_enforcement_cases_overdue", norwich), 0);

  // A verified delivery counts; a pending one does not.
  ASSERT_TRUE(Command(&v1::ContractService::Stub::ReportDelivery,
                      testing::ReportRequest("K1", "q1", "jobs", 2,
                                             D(2025, 1, 1), D(2025, 3, 31))));
  ASSERT_TRUE(Command(&v1::ContractService::Stub::ReportDelivery,
                      testing::ReportRequest("K1", "q2", "jobs", 5,
                                             D(2025, 4, 1), D(2025, 6, 30))));
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("verify-q1");
  verify.set_contract_id("K1");
  verify.mutable_verification()->set_delivery_id("q1");
  ASSERT_TRUE(Command(&v1::ContractService::Stub::VerifyDelivery, verify));
  // 31 days at NOTICE: overdue.
  clock_.Set(domain::StartOfDay(D(2025, 8, 3)));
  text = Scrape();
  EXPECT_EQ(Sample(text, "svledger_social_value_delivered",
                   {"council=\"norwich\"", "measure=\"jobs.new_local\""}),
            2);
  EXPECT_EQ(Sample(text, "svledger_enforcement_cases_overdue", norwich), 1);

  // Computed, not counted: a restart shows the same.
  Stop();
  Start();
  const std::string again = Scrape();
  for (const char* name :
       {"svledger_social_value_delivered", "svledger_social_value_target"}) {
    EXPECT_EQ(Sample(again, name, {"measure=\"jobs.new_local\""}),
              Sample(text, name, {"measure=\"jobs.new_local\""}))
        << name;
  }
  EXPECT_EQ(Sample(again, "svledger_enforcement_cases_overdue", norwich), 1);
  EXPECT_EQ(Sample(again, "svledger_contract_delivery_score", {}), std::nullopt)
      << "per-contract series are opt-in";

  // Operational metrics: the log's head, the projection level with it,
  // the appends and gRPC calls this server made.
  ASSERT_TRUE(Settle());
  const std::string ops = Scrape();
  const double head = static_cast<double>(server_->store().HeadPosition());
  EXPECT_EQ(Sample(ops, "svledger_log_head_position", {}), head);
  EXPECT_EQ(Sample(ops, "svledger_projection_checkpoint",
                   {"projection=\"contracts\""}),
            head);
  EXPECT_EQ(Sample(ops, "svledger_projection_lag_events", {}), 0);
  EXPECT_EQ(Sample(ops, "svledger_streams_open", {"kind=\"watch_alerts\""}), 0);
  for (const char* reader :
       {"reader=\"contract_commands\"", "reader=\"frameworks\""}) {
    EXPECT_EQ(Sample(ops, "svledger_skipped_events", {reader}), 0) << reader;
  }
  EXPECT_EQ(Sample(ops, "svledger_framework_follow_failures_total", {}), 0);
  EXPECT_GT(Sample(ops, "svledger_rocksdb_bytes", {"property=\"live_data\""})
                .value_or(-1),
            -1);
  ASSERT_TRUE(Command(&v1::ContractService::Stub::ReportDelivery,
                      testing::ReportRequest("K1", "q3", "jobs", 1,
                                             D(2025, 7, 1), D(2025, 7, 31))));
  const std::string after = Scrape();
  EXPECT_EQ(Sample(after, "svledger_events_appended_total", {}), 1);
  EXPECT_EQ(Sample(after, "svledger_append_duration_seconds_count", {}), 1);
  EXPECT_EQ(Sample(after, "svledger_grpc_requests_total",
                   {"service=\"svledger.v1.ContractService\"",
                    "method=\"ReportDelivery\"", "code=\"OK\""}),
            1);
  // A refused command is counted with its code.
  grpc::ClientContext context;
  v1::CommandResponse response;
  v1::ReportDeliveryRequest bad = testing::ReportRequest(
      "K1", "q4", "jobs", -1, D(2025, 1, 1), D(2025, 6, 30));
  EXPECT_FALSE(stub_->ReportDelivery(&context, bad, &response).ok());
  EXPECT_EQ(Sample(Scrape(), "svledger_grpc_requests_total",
                   {"method=\"ReportDelivery\"", "code=\"INVALID_ARGUMENT\""}),
            1);

  // promtool accepts the exposition (scripts/lib.sh installs it).
  const std::string file = dir_.path() + "/scrape.txt";
  std::ofstream(file) << Scrape();
  EXPECT_EQ(std::system(absl::StrCat("promtool check metrics < ", file, " > ",
                                     file, ".out 2>&1")
                            .c_str()),
            0)
      << std::ifstream(file + ".out").rdbuf();
}

// A scrape reads the projection a few contracts at a time: every contract
// is counted once, however many there are (K1 and 99 more here).
TEST_F(MetricsTest, EveryContractIsCountedOnceAcrossTheScrapesChunks) {
  for (int i = 0; i < 99; ++i) {
    const std::string id = absl::StrCat("M", i);
    v1::RegisterContractRequest reg = testing::RegisterK1();
    reg.mutable_contract()->set_contract_id(id);
    v1::AddCommitmentsRequest add = testing::K1Jobs();
    add.set_contract_id(id);
    ASSERT_TRUE(Command(&v1::ContractService::Stub::RegisterContract, reg));
    ASSERT_TRUE(Command(&v1::ContractService::Stub::AddCommitments, add));
  }
  const std::string text = Scrape();
  EXPECT_EQ(Sample(text, "svledger_commitments",
                   {"council=\"norwich\"", "status=\"ON_TRACK\""}),
            100);
  EXPECT_EQ(Sample(text, "svledger_contracts",
                   {"council=\"norwich\"", "rating=\"GOOD\""}),
            100);
  EXPECT_EQ(Sample(text, "svledger_social_value_target",
                   {"council=\"norwich\"", "measure=\"jobs.new_local\""}),
            2400);
}

TEST(MetricsListenTest, ABusyPortIsAClearError) {
  TempDir first_dir, second_dir;
  ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.metrics.listen = "127.0.0.1:0";
  options.storage.data_dir = first_dir.path();
  auto first = Server::Start(options);
  ASSERT_TRUE(first.ok()) << first.status();
  options.storage.data_dir = second_dir.path();
  options.metrics.listen = absl::StrCat("127.0.0.1:", (*first)->metrics_port());
  auto second = Server::Start(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(second.status().message(), "metrics"))
      << second.status();
}

}  // namespace
}  // namespace svledger::services

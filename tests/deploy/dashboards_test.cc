// The Grafana dashboards parse as JSON, and every svledger metric their
// queries name is one a running server exports (read from a real scrape,
// histograms counted with their _bucket, _sum and _count series).

#include "tests/deploy/dashboards.h"

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/services/k1_fixture.h"
#include "tests/testing/http.h"

namespace svledger {
namespace {

class DashboardsTest : public testing::K1Fixture {
 protected:
  void Configure(server::ServerOptions& options) override {
    options.metrics.listen = "127.0.0.1:0";
    options.app.enforcement = true;  // its failure counter is on a dashboard
  }

  // The metric names of a scrape: every sample's name, and for histograms
  // the name with its series suffixes.
  std::set<std::string> Exported() {
    absl::StatusOr<std::string> text =
        testing::HttpGet(server_->metrics_port(), "/metrics");
    EXPECT_TRUE(text.ok()) << text.status();
    std::set<std::string> names;
    for (absl::string_view line : absl::StrSplit(text.value_or(""), '\n')) {
      if (line.empty()) continue;
      if (absl::StartsWith(line, "# TYPE ")) {
        std::vector<std::string> parts = absl::StrSplit(line, ' ');
        if (parts.size() == 4 && parts[3] == "histogram") {
          for (const char* suffix : {"_bucket", "_sum", "_count"}) {
            names.insert(parts[2] + suffix);
          }
        }
        continue;
      }
      if (line[0] == '#') continue;
      names.insert(std::string(line.substr(0, line.find_first_of("{ "))));
    }
    return names;
  }
};

TEST_F(DashboardsTest, EveryQueryNamesAnExportedMetric) {
  // A council's own proxy value (none is bundled), a case and some
  // traffic, so that every family has a sample.
  v1::MeasureLibrary library = *server_->app().framework_store().Library();
  library.set_version(library.version() + 1);
  for (v1::Measure& m : *library.mutable_measures()) {
    if (m.id() == "jobs.new_local") {
      m.mutable_proxy()->set_gbp_per_unit(25000);
      m.mutable_proxy()->set_source("test council");
    }
  }
  ASSERT_TRUE(
      server_->app().framework_store().PublishLibrary(library, "test").ok());
  // A library version changes no existing contract: K1 takes the proxy
  // value only once moved to a framework version pinning the new library.
  v1::Framework norwich = *server_->app().framework_store().Latest("norwich");
  norwich.set_version(norwich.version() + 1);
  norwich.clear_measure_library_version();  // the latest: the new library
  ASSERT_TRUE(
      server_->app().framework_store().PublishFramework(norwich, "test").ok());
  v1::ChangeFrameworkRequest move;
  move.set_request_id("move");
  move.set_contract_id("K1");
  move.set_version(norwich.version());
  move.set_reason("the council's proxy values");
  grpc::ClientContext context;
  v1::ChangeFrameworkResponse moved;
  grpc::Status s = stub_->ChangeFramework(&context, move, &moved);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(moved.change().after_size(), 1);
  EXPECT_FALSE(moved.change().before(0).has_proxy_value());
  EXPECT_TRUE(moved.change().after(0).has_proxy_value());
  clock_.Set(domain::StartOfDay(domain::MakeDate(2025, 7, 2)));
  ASSERT_TRUE(policy_->Sweep().ok());
  ASSERT_TRUE(Settle());
  const std::set<std::string> exported = Exported();
  ASSERT_TRUE(exported.contains("svledger_commitments"));

  const std::regex metric("svledger_[a-z0-9_]+");
  absl::StatusOr<std::vector<testing::Dashboard>> dashboards =
      testing::ReadDashboards(std::string(SVLEDGER_DEPLOY_DIR) +
                              "/grafana/dashboards");
  ASSERT_TRUE(dashboards.ok()) << dashboards.status();
  int queries = 0;
  for (const testing::Dashboard& d : *dashboards) {
    std::vector<std::string> found = d.exprs;
    found.insert(found.end(), d.variables.begin(), d.variables.end());
    EXPECT_FALSE(found.empty()) << d.file;
    for (const std::string& q : found) {
      ++queries;
      for (std::sregex_iterator it(q.begin(), q.end(), metric), end; it != end;
           ++it) {
        EXPECT_TRUE(exported.contains(it->str()))
            << d.file << ": " << it->str() << " in: " << q;
      }
    }
  }
  EXPECT_GE(dashboards->size(), 2u);
  EXPECT_GE(queries, 10);
}

}  // namespace
}  // namespace svledger

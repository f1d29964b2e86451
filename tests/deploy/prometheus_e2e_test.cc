// End-to-end against the real Prometheus server (Debian's `prometheus`):
// svledger runs as ./scripts/run starts it, with the four councils' demo
// data; Prometheus scrapes it on loopback every second with
// deploy/prometheus/rules.yml loaded; the test then asks Prometheus's HTTP
// query API for the domain metrics and checks them against what svledger's
// own gRPC API says (commitments by status per council, contracts by KPI
// rating, open enforcement cases by stage). It also checks that the social
// value alert rules stay quiet on the demo's standing state, and renders
// every Grafana panel's query: no NaN, no legend without its label, no
// empty social value panel, no series averaging councils together.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/deploy/dashboards.h"
#include "tests/testing/http.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;

// A series' labels (those the test compares) and its value.
using Series = std::map<std::string, double>;  // "label=value,..." -> value

const char* const kCouncils[] = {"derbyshire", "norwich", "lancashire",
                                 "rutland"};

// The port in "... on http://127.0.0.1:PORT/metrics" or "... :PORT, data".
int PortOf(const std::optional<std::string>& line) {
  if (!line.has_value()) return 0;
  const size_t colon = line->find(':', line->find("127.0.0.1"));
  if (colon == std::string::npos) return 0;
  const size_t end = line->find_first_not_of("0123456789", colon + 1);
  int port = 0;
  if (!absl::SimpleAtoi(line->substr(colon + 1, end - colon - 1), &port)) {
    return 0;
  }
  return port;
}

// A loopback port free at the moment of asking (Prometheus cannot be told
// to pick its own and report it).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

std::string UrlEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '_' || c == '-' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

// One series of an instant query's answer.
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;  // NaN and +-Inf as Prometheus writes them
};

// Prometheus's answer to an instant query, every series of it, or an
// error.
absl::StatusOr<std::vector<Sample>> QueryAll(int port,
                                             const std::string& promql) {
  absl::StatusOr<std::string> body =
      testing::HttpGet(port, "/api/v1/query?query=" + UrlEncode(promql));
  if (!body.ok()) return body.status();
  google::protobuf::Struct json;
  if (!google::protobuf::util::JsonStringToMessage(*body, &json).ok()) {
    return absl::DataLossError("not JSON: " + *body);
  }
  const auto& fields = json.fields();
  if (!fields.contains("status") || !fields.contains("data") ||
      fields.at("status").string_value() != "success") {
    return absl::UnavailableError(*body);
  }
  std::vector<Sample> out;
  for (const auto& r : fields.at("data")
                           .struct_value()
                           .fields()
                           .at("result")
                           .list_value()
                           .values()) {
    Sample& sample = out.emplace_back();
    for (const auto& [name, value] :
         r.struct_value().fields().at("metric").struct_value().fields()) {
      sample.labels[name] = value.string_value();
    }
    // "value": [ <time>, "<value>" ]
    const auto& value = r.struct_value().fields().at("value").list_value();
    const std::string text =
        value.values_size() == 2 ? value.values(1).string_value() : "";
    if (text == "NaN") {
      sample.value = std::numeric_limits<double>::quiet_NaN();
    } else if (text == "+Inf" || text == "-Inf") {
      sample.value =
          (text[0] == '-' ? -1 : 1) * std::numeric_limits<double>::infinity();
    } else if (!absl::SimpleAtod(text, &sample.value)) {
      return absl::DataLossError("bad sample in " + *body);
    }
  }
  return out;
}

// Prometheus's answer to an instant query, each series keyed by the
// `labels` named (in that order), or an error. Series that agree on those
// labels share a key (the last wins), so `labels` must tell them apart
// unless only emptiness matters.
absl::StatusOr<Series> Query(int port, const std::string& promql,
                             const std::vector<std::string>& labels) {
  absl::StatusOr<std::vector<Sample>> all = QueryAll(port, promql);
  if (!all.ok()) return all.status();
  Series out;
  for (const Sample& sample : *all) {
    std::vector<std::string> key;
    for (const std::string& l : labels) {
      auto it = sample.labels.find(l);
      key.push_back(l + "=" + (it == sample.labels.end() ? "" : it->second));
    }
    out[absl::StrJoin(key, ",")] = sample.value;
  }
  return out;
}

// What is wrong with a panel's answer, or "" if nothing: a value that is
// NaN or infinite (Grafana shows "NaN"), or a series without a label its
// legend names (Grafana shows the raw "{{label}}").
std::string Problems(const std::vector<Sample>& samples,
                     const std::string& legend) {
  std::string out;
  for (const Sample& s : samples) {
    const std::string series =
        absl::StrJoin(s.labels, ",", [](std::string* o, const auto& kv) {
          absl::StrAppend(o, kv.first, "=", kv.second);
        });
    if (!std::isfinite(s.value)) {
      absl::StrAppend(&out, "{", series, "} is ", s.value, "; ");
    }
    for (size_t at = legend.find("{{"); at != std::string::npos;
         at = legend.find("{{", at + 2)) {
      const size_t end = legend.find("}}", at);
      if (end == std::string::npos) break;
      const std::string label = legend.substr(at + 2, end - at - 2);
      auto it = s.labels.find(label);
      if (it == s.labels.end() || it->second.empty()) {
        absl::StrAppend(&out, "{", series, "} has no ", label,
                        " for its legend; ");
      }
    }
  }
  return out;
}

std::string Show(const Series& s) {
  return absl::StrJoin(s, "; ", [](std::string* out, const auto& kv) {
    absl::StrAppend(out, kv.first, " ", kv.second);
  });
}

// The same figures from svledger's own API, keyed as Query keys them.
struct ApiFigures {
  Series commitments;  // council, status
  Series contracts;    // council, rating
  Series open_cases;   // council, stage
};

// `token`: the bearer token every call presents (authentication is on).
ApiFigures FromApi(const std::shared_ptr<grpc::Channel>& channel,
                   const std::string& token) {
  ApiFigures out;
  auto progress = v1::ProgressService::NewStub(channel);
  auto enforcement = v1::EnforcementService::NewStub(channel);
  for (const char* council : kCouncils) {
    const std::string c = absl::StrCat("council=", council, ",");
    v1::GetCouncilSummaryRequest request;
    request.set_council(council);
    v1::CouncilSummary summary;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    if (!progress->GetCouncilSummary(&context, request, &summary).ok()) {
      ADD_FAILURE() << "GetCouncilSummary " << council;
      continue;
    }
    const v1::StatusCounts& s = summary.total().statuses();
    for (auto [status, n] :
         std::initializer_list<std::pair<v1::CommitmentStatus, uint32_t>>{
             {v1::MET, s.met()},
             {v1::ON_TRACK, s.on_track()},
             {v1::AT_RISK, s.at_risk()},
             {v1::OFF_TRACK, s.off_track()},
             {v1::MISSED, s.missed()},
             {v1::WITHDRAWN, s.withdrawn()}}) {
      if (n > 0)
        out.commitments[c + "status=" + v1::CommitmentStatus_Name(status)] = n;
    }

    v1::ListContractsRequest list;
    list.set_council(council);
    list.set_page_size(500);
    v1::ListContractsResponse contracts;
    grpc::ClientContext list_context;
    list_context.AddMetadata("authorization", "Bearer " + token);
    if (!progress->ListContracts(&list_context, list, &contracts).ok()) {
      ADD_FAILURE() << "ListContracts " << council;
      continue;
    }
    for (const v1::ContractSummary& s : contracts.contracts()) {
      const std::string rating = s.rating() == v1::KPI_RATING_UNSPECIFIED
                                     ? "UNRATED"
                                     : v1::KpiRating_Name(s.rating());
      out.contracts[c + "rating=" + rating] += 1;
    }

    v1::ListCasesRequest cases;
    cases.set_council(council);
    cases.set_state(v1::CASE_OPEN);
    cases.set_page_size(500);
    v1::ListCasesResponse open;
    grpc::ClientContext cases_context;
    cases_context.AddMetadata("authorization", "Bearer " + token);
    if (!enforcement->ListCases(&cases_context, cases, &open).ok()) {
      ADD_FAILURE() << "ListCases " << council;
      continue;
    }
    for (const v1::EnforcementCase& e : open.cases()) {
      out.open_cases[c + "stage=" + v1::EnforcementStage_Name(e.stage())] += 1;
    }
  }
  return out;
}

TEST(PrometheusE2ETest, PrometheusScrapesDomainMetricsThatMatchTheApi) {
  TempDir dir;
  // Authentication on, as ./scripts/run has it, and scrapes with basic
  // authentication.
  // user:SHA-256 of the password, as an operator writes it.
  ASSERT_EQ(std::system(absl::StrCat("printf 'prometheus:%s\\n' \"$(printf "
                                     "scrape-secret | sha256sum | cut -d' ' "
                                     "-f1)\" > ",
                                     dir.Sub("scrapers"))
                            .c_str()),
            0);
  std::ofstream(dir.Sub("scrape-password")) << "scrape-secret";
  Subprocess svledger(
      {SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
       "--data-dir=" + dir.Sub("data"),
       std::string("--frameworks-dir=") + SVLEDGER_FRAMEWORKS_DIR, "--demo",
       "--dev-auth", "--metrics-basic-auth-file=" + dir.Sub("scrapers")});
  const int grpc_port = PortOf(svledger.ReadLine(absl::Seconds(30)));
  const int metrics_port = PortOf(svledger.ReadLine(absl::Seconds(30)));
  ASSERT_GT(grpc_port, 0);
  ASSERT_GT(metrics_port, 0);
  // Without the scrape credentials, /metrics is refused.
  absl::StatusOr<std::string> anonymous =
      testing::HttpGet(metrics_port, "/metrics");
  ASSERT_FALSE(anonymous.ok());
  EXPECT_NE(anonymous.status().message().find("401"), std::string::npos)
      << anonymous.status();

  // The repository's alert rules, loaded by the real server too.
  const std::string config = dir.Sub("prometheus.yml");
  std::ofstream(config) << "global:\n"
                        << "  scrape_interval: 1s\n"
                        << "  evaluation_interval: 1s\n"
                        << "rule_files:\n"
                        << "  - " << SVLEDGER_DEPLOY_DIR
                        << "/prometheus/rules.yml\n"
                        << "scrape_configs:\n"
                        << "  - job_name: svledger\n"
                        << "    basic_auth:\n"
                        << "      username: prometheus\n"
                        << "      password_file: " << dir.Sub("scrape-password")
                        << "\n"
                        << "    static_configs:\n"
                        << "      - targets: [\"127.0.0.1:" << metrics_port
                        << "\"]\n";
  // The free port may be taken before Prometheus binds it: try again then.
  std::unique_ptr<Subprocess> prometheus;
  int prom_port = 0;
  for (int attempt = 0; attempt < 3 && prometheus == nullptr; ++attempt) {
    prom_port = FreePort();
    ASSERT_GT(prom_port, 0);
    auto p = std::make_unique<Subprocess>(std::vector<std::string>{
        PROMETHEUS_PATH, "--config.file=" + config,
        "--storage.tsdb.path=" + dir.Sub("tsdb-" + std::to_string(attempt)),
        absl::StrCat("--web.listen-address=127.0.0.1:", prom_port),
        "--log.level=warn"});
    const bool ready = testing::WaitUntil(
        [&] {
          return testing::HttpGet(prom_port, "/-/ready").ok() ||
                 p->Wait(absl::ZeroDuration()).has_value();
        },
        absl::Seconds(60));
    if (ready && !p->Wait(absl::ZeroDuration()).has_value()) {
      prometheus = std::move(p);
    }
  }
  ASSERT_NE(prometheus, nullptr) << "Prometheus did not start";

  // Prometheus has scraped svledger successfully.
  Series up;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        up = Query(prom_port, "up{job=\"svledger\"}", {"job"})
                 .value_or(Series{});
        return up.size() == 1 && up.begin()->second == 1;
      },
      absl::Seconds(60)))
      << "up: " << Show(up);

  // The rules file loaded and its rules evaluate without error.
  absl::StatusOr<std::string> rules =
      testing::HttpGet(prom_port, "/api/v1/rules");
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_NE(rules->find("SocialValueCommitmentsNewlyOffTrack"),
            std::string::npos)
      << *rules;
  EXPECT_EQ(rules->find("\"health\":\"err\""), std::string::npos) << *rules;

  // The demo loads and the enforcement policy's start-up sweep opens cases
  // while the test runs, so the figures are compared until Prometheus's
  // latest scrape and the API agree (or the deadline passes, and the test
  // shows both).
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port),
                                     grpc::InsecureChannelCredentials());
  // The auditor persona reads every council's figures.
  std::string auditor;
  std::ifstream(dir.Sub("data") + "/dev-auth/tokens/auditor.jwt") >> auditor;
  ASSERT_FALSE(auditor.empty());
  ApiFigures api;
  Series commitments, contracts, open_cases;
  const bool agree = testing::WaitUntil(
      [&] {
        api = FromApi(channel, auditor);
        commitments =
            Query(prom_port, "svledger_commitments > 0", {"council", "status"})
                .value_or(Series{});
        contracts =
            Query(prom_port, "svledger_contracts > 0", {"council", "rating"})
                .value_or(Series{});
        open_cases = Query(prom_port, "svledger_enforcement_cases_open > 0",
                           {"council", "stage"})
                         .value_or(Series{});
        return !api.open_cases.empty() && commitments == api.commitments &&
               contracts == api.contracts && open_cases == api.open_cases;
      },
      absl::Seconds(90));
  EXPECT_TRUE(agree) << "\nPrometheus commitments: " << Show(commitments)
                     << "\nAPI commitments:        " << Show(api.commitments)
                     << "\nPrometheus contracts:   " << Show(contracts)
                     << "\nAPI contracts:          " << Show(api.contracts)
                     << "\nPrometheus open cases:  " << Show(open_cases)
                     << "\nAPI open cases:         " << Show(api.open_cases);
  // The demo's 20 contracts of 4 commitments, all four councils.
  double total = 0;
  for (const auto& [key, n] : commitments) total += n;
  EXPECT_EQ(total, 80);
  EXPECT_EQ(contracts.size() >= 4, true) << Show(contracts);

  // The alert rules run on the real data, and the social value ones fire
  // on a change, not on a standing state: the demo has councils with
  // commitments off track or missed and cases overdue, but Prometheus has
  // seen no rise of them (it has less than an hour of data to compare
  // with), so nothing is pending or firing once every rule has been
  // evaluated.
  Series short_of;
  for (const auto& [key, n] : api.commitments) {
    if (absl::StrContains(key, "OFF_TRACK") ||
        absl::StrContains(key, "MISSED")) {
      short_of[key.substr(0, key.find(','))] = 1;
    }
  }
  ASSERT_FALSE(short_of.empty());
  std::string evaluated;
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        evaluated = testing::HttpGet(prom_port, "/api/v1/rules").value_or("");
        return absl::StrContains(evaluated,
                                 "SocialValueCommitmentsNewlyOffTrack") &&
               !absl::StrContains(evaluated, "\"health\":\"unknown\"");
      },
      absl::Seconds(30)))
      << evaluated;
  EXPECT_EQ(evaluated.find("\"health\":\"err\""), std::string::npos)
      << evaluated;
  absl::StatusOr<Series> alerts =
      Query(prom_port,
            "ALERTS{alertname=~\"SocialValueCommitmentsNewlyOffTrack|"
            "EnforcementCasesNewlyOverdue\"}",
            {"alertname", "council", "alertstate"});
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  EXPECT_TRUE(alerts->empty())
      << "alerting on a steady state: " << Show(*alerts);

  // No social value series has an unspecified unit or a zero target (the
  // 0 / 0 a dashboard shows as NaN).
  for (const char* bad :
       {"{__name__=~\"svledger_.+\",unit=\"UNIT_UNSPECIFIED\"}",
        "svledger_social_value_target <= 0"}) {
    absl::StatusOr<Series> found =
        Query(prom_port, bad, {"council", "measure"});
    ASSERT_TRUE(found.ok()) << found.status();
    EXPECT_TRUE(found->empty()) << bad << ": " << Show(*found);
  }

  // The check below finds NaN where there is one (so it can fail).
  absl::StatusOr<std::vector<Sample>> nan =
      QueryAll(prom_port, "svledger_commitments * NaN");
  ASSERT_TRUE(nan.ok()) << nan.status();
  EXPECT_NE(Problems(*nan, "{{council}}"), "");

  // Every panel query of the Grafana dashboards, as Grafana sends it with
  // the council variable on "All" (a regex matching every council), runs,
  // and no series of its answer is NaN or infinite or lacks a label its
  // legend names. The social value panels show data for the demo, but for
  // the £ panel (no bundled framework publishes proxy values), and each of
  // their series is one council's: "All" shows councils side by side,
  // never averaged together. (The operations panels may be empty here: no
  // append errors, say.)
  absl::StatusOr<std::vector<testing::Dashboard>> dashboards =
      testing::ReadDashboards(std::string(SVLEDGER_DEPLOY_DIR) +
                              "/grafana/dashboards");
  ASSERT_TRUE(dashboards.ok()) << dashboards.status();
  int panels = 0;
  for (const testing::Dashboard& d : *dashboards) {
    for (const testing::Target& target : d.targets) {
      ++panels;
      std::string expr = target.expr;
      absl::StrReplaceAll({{"$council", ".*"}, {"$__rate_interval", "1m"}},
                          &expr);
      absl::StatusOr<std::vector<Sample>> result = QueryAll(prom_port, expr);
      ASSERT_TRUE(result.ok())
          << d.file << ": " << expr << ": " << result.status();
      EXPECT_EQ(Problems(*result, target.legend), "") << d.file << ": " << expr;
      if (d.file != "social-value.json") continue;
      if (!absl::StrContains(expr, "svledger_social_value_gbp")) {
        EXPECT_FALSE(result->empty()) << d.file << ": no data for " << expr;
      }
      for (const Sample& s : *result) {
        EXPECT_TRUE(s.labels.contains("council"))
            << d.file << ": " << expr << ": a series of no one council";
      }
    }
  }
  EXPECT_GE(panels, 20);

  // The theme panel shows one series per council and theme with
  // commitments, each named.
  absl::StatusOr<Series> themes = Query(
      prom_port, "count by (council, theme) (svledger_social_value_target)",
      {"council", "theme"});
  ASSERT_TRUE(themes.ok()) << themes.status();
  int theme_series = 0;
  for (const testing::Dashboard& d : *dashboards) {
    for (const testing::Target& target : d.targets) {
      if (d.file != "social-value.json" ||
          !absl::StrContains(target.legend, "theme_name")) {
        continue;
      }
      std::string expr = target.expr;
      absl::StrReplaceAll({{"$council", ".*"}}, &expr);
      theme_series = static_cast<int>(
          QueryAll(prom_port, expr).value_or(std::vector<Sample>{}).size());
    }
  }
  EXPECT_EQ(theme_series, static_cast<int>(themes->size())) << Show(*themes);
  EXPECT_GE(themes->size(), 8u) << Show(*themes);

  // An aggregation over the domain metrics, as the dashboards run them:
  // verified delivery exists for every council.
  absl::StatusOr<Series> delivered =
      Query(prom_port, "sum by (council) (svledger_social_value_delivered)",
            {"council"});
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(delivered->size(), 4u) << Show(*delivered);
  for (const auto& [council, v] : *delivered) EXPECT_GT(v, 0) << council;
}

}  // namespace
}  // namespace svledger

// svctl's task commands, review queue and help, run as a user types them
// (through sh) against the real svledger binary with authentication on and
// the councils' frameworks published, without the demo: each test starts
// from an empty ledger and does the daily work of a contract manager and a
// supplier with flags alone, no JSON.

#include <signal.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/shell.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace svledger {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SvctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(std::vector<std::string>{
        SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
        "--metrics-listen=", "--data-dir=" + dir_.path(),
        std::string("--frameworks-dir=") + SVLEDGER_ROOT + "/frameworks",
        "--no-demo", "--dev-auth"});
    std::optional<std::string> line = server_->ReadLine(absl::Seconds(60));
    ASSERT_TRUE(line.has_value());
    // "svledger listening on 127.0.0.1:PORT, data in DIR"
    const size_t colon = line->find(':');
    port_ = line->substr(colon + 1, line->find(',') - colon - 1);
  }

  void TearDown() override {
    if (!server_) return;
    server_->Signal(SIGTERM);
    EXPECT_TRUE(server_->Wait(absl::Seconds(30)).has_value());
  }

  // Runs `svctl ARGS` as `persona` (empty: no credential); exit status and
  // everything printed.
  std::pair<int, std::string> Svctl(const std::string& persona,
                                    const std::string& args,
                                    const std::string& env = "COLUMNS=200") {
    return testing::Shell(
        absl::StrCat(env, " ", SVCTL_PATH, " --server=127.0.0.1:", port_,
                     " --tokens-dir=", dir_.path(), "/dev-auth/tokens",
                     persona.empty() ? "" : " --as=" + persona, " ", args));
  }

  // Registers DER-T1 for acme-facilities with two commitments: 12 FTE new
  // local jobs and a 30% local spend share.
  void RegisterWithCommitments() {
    auto [rc, out] = Svctl(
        "manager-derbyshire",
        "register DER-T1 --council=derbyshire --title='Highways maintenance' "
        "--supplier=acme-facilities --supplier-name='Acme Facilities Ltd' "
        "--value=£2.5m --start=2025-04-01 --end=2028-03-31 --weighting=10% "
        "--manager=j.smith");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_THAT(out, HasSubstr("registered: DER-T1 'Highways maintenance'"));
    EXPECT_THAT(out, HasSubstr("£2,500,000"));
    EXPECT_THAT(out, HasSubstr("position "));
    std::tie(rc, out) =
        Svctl("manager-derbyshire",
              "commit DER-T1 c1 --measure=jobs.new_local --target=12 "
              "--due=2028-03-31 --locality='within Derbyshire'");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_THAT(out, HasSubstr("c1: 12 FTE of"));
    std::tie(rc, out) =
        Svctl("manager-derbyshire",
              "commit DER-T1 c2 --measure=spend.local_percent --target=30% "
              "--due=2028-03-31");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_THAT(out, HasSubstr("c2: 30%"));
  }

  testing::TempDir dir_;
  std::optional<testing::Subprocess> server_;
  std::string port_;
};

TEST_F(SvctlTest, AContractManagerAndASupplierDoTheDailyWorkWithoutJson) {
  RegisterWithCommitments();
  // The supplier reports with an evidence file: its SHA-256 is recorded.
  const std::string evidence = dir_.path() + "/payroll-q3.txt";
  std::ofstream(evidence) << "12 new starters\n";
  auto [rc, out] = Svctl("supplier-acme-facilities",
                         "report DER-T1 c1 --quantity=12 --period=2025-Q3 "
                         "--evidence-file=" +
                             evidence + " --note='new starters'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("recorded: 12 FTE delivered against"));
  EXPECT_THAT(out, HasSubstr("for Q3 2025, delivery c1-2025-Q3"));
  EXPECT_THAT(out, HasSubstr("pending verification"));
  // Run again (a retry): replayed, not recorded twice.
  std::tie(rc, out) = Svctl("supplier-acme-facilities",
                            "report DER-T1 c1 --quantity=12 --period=2025-Q3 "
                            "--evidence-file=" +
                                evidence + " --note='new starters'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("already recorded"));
  // A share: the part and the whole, in pounds as written.
  std::tie(rc, out) = Svctl("supplier-acme-facilities",
                            "report DER-T1 c2 --quantity=£120k --of=£400k "
                            "--period=2025-Q3 "
                            "--evidence-uri=https://files.example/q3.pdf");
  ASSERT_EQ(rc, 0) << out;
  // The manager's queue, oldest first, with the evidence's digest.
  std::tie(rc, out) = Svctl("manager-derbyshire", "review");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("(2 awaiting verification"));
  EXPECT_LT(out.find("c1-2025-Q3"), out.find("c2-2025-Q3")) << out;
  std::tie(rc, out) = testing::Shell("sha256sum " + evidence);
  EXPECT_THAT(Svctl("manager-derbyshire", "review").second,
              HasSubstr("sha256:" + out.substr(0, 12)));
  // Verify one, reject the other with a reason the supplier then sees.
  std::tie(rc, out) = Svctl("manager-derbyshire",
                            "verify DER-T1 c1-2025-Q3 --note='payroll seen'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("verified: 12 FTE against"));
  EXPECT_THAT(out, HasSubstr("reported by supplier-acme-facilities"));
  std::tie(rc, out) =
      Svctl("manager-derbyshire",
            "reject DER-T1 c2-2025-Q3 --reason='invoices show £90k local'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("reason: invoices show £90k local"));
  std::tie(rc, out) =
      Svctl("supplier-acme-facilities", "deliveries --state=REJECTED");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("invoices show £90k local"));
  EXPECT_THAT(out, HasSubstr("manager-derbyshire"));
  EXPECT_THAT(out, Not(HasSubstr("c1-2025-Q3")));
  std::tie(rc, out) = Svctl("manager-derbyshire", "review");
  EXPECT_THAT(out, HasSubstr("(0 awaiting verification")) << out;
  // Amend, withdraw, close: each in words.
  std::tie(rc, out) = Svctl("manager-derbyshire",
                            "amend DER-T1 c1 --target=10 --reason='variation'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("target 12 FTE -> 10 FTE"));
  std::tie(rc, out) = Svctl("manager-derbyshire",
                            "withdraw DER-T1 c2 --reason='scope reduced'");
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = Svctl("manager-derbyshire", "progress DER-T1");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("10 FTE"));
  EXPECT_THAT(out, HasSubstr("WITHDRAWN"));
  std::tie(rc, out) =
      Svctl("manager-derbyshire", "close-contract DER-T1 --reason='ended'");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("closed: DER-T1"));
}

TEST_F(SvctlTest, ASupplierMayNotVerifyAndSeesOnlyItsOwn) {
  RegisterWithCommitments();
  ASSERT_EQ(Svctl("supplier-acme-facilities",
                  "report DER-T1 c1 --quantity=3 --period=2025-07 "
                  "--evidence-uri=https://files.example/july.pdf")
                .first,
            0);
  auto [rc, out] =
      Svctl("supplier-acme-facilities", "verify DER-T1 c1-2025-07");
  EXPECT_EQ(rc, 1) << out;
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));
  std::tie(rc, out) = Svctl("supplier-greenway-construction", "deliveries");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("(0 of 0 deliveries)"));
}

TEST_F(SvctlTest, BadInputNamesTheFlagAndWritesNothing) {
  RegisterWithCommitments();
  struct Case {
    std::string args, says;
  };
  for (const Case& c : std::vector<Case>{
           {"contracts --council=nowhere",
            "no council 'nowhere' (known: derbyshire"},
           {"contracts --supplier=acme-facilites",
            "did you mean acme-facilities"},
           {"progress DER-T2", "did you mean DER-T1"},
           {"contracts --status=offtrack",
            "--status: unknown value 'offtrack' (one of met, on_track"},
           {"commit DER-T1 c3 --measure=jobs.new_locl --target=1 "
            "--due=2028-03-31",
            "did you mean jobs.new_local"},
           {"commit DER-T1 c3 --measure=spend.local_percent --target=0.3 "
            "--due=2028-03-31",
            "--target: shares are percent: write 30%"},
           {"commit DER-T1 c3 --measure=jobs.new_local --target=5 "
            "--due=2028-02-30",
            "--due: '2028-02-30' is not a date"},
           {"report DER-T1 c1 --quantity=3 --period=2025-Q5",
            "--period: '2025-Q5' is not a period"},
           {"report DER-T1 c9 --quantity=3 --period=2025-Q3 --evidence-uri=u",
            "has no commitment 'c9' (it has: c1, c2)"},
           {"report DER-T1 c1 --quantity=3 --period=2025-Q3",
            "--evidence-file or --evidence-uri: required"},
           {"report DER-T1 c1 --quantity=3 --period=2030-Q1 --evidence-uri=u",
            "--period"},  // the server's period_end error, as the flag
           {"register DER-T9 --council=derbyshire --title=x --supplier=acme "
            "--value=£1m --start=2026-04-01 --end=2025-03-31 --manager=j.smith",
            "--end"},
           {"backup verify --backup-id=abc", "--backup-id: 'abc' is not"},
           {"cases --fro=1", "--fro: no such flag (did you mean --from?)"},
           {"reveiw", "unknown command 'reveiw' (did you mean 'review'?)"},
       }) {
    auto [rc, out] = Svctl("manager-derbyshire", c.args);
    EXPECT_NE(rc, 0) << c.args << "\n" << out;
    EXPECT_THAT(out, HasSubstr(c.says)) << c.args;
    EXPECT_THAT(out, Not(HasSubstr("backup_id"))) << c.args;
    EXPECT_THAT(out, Not(HasSubstr("period_end"))) << c.args;
  }
  // Nothing of that was written: still two commitments, no delivery.
  auto [rc, out] = Svctl("manager-derbyshire", "deliveries");
  EXPECT_THAT(out, HasSubstr("(0 of 0 deliveries)")) << out;
  std::tie(rc, out) = Svctl("manager-derbyshire", "progress DER-T1 --json");
  EXPECT_THAT(out, Not(HasSubstr("\"c3\"")));
  // Enum values are case-insensitive, with dashes or underscores.
  for (const char* status : {"off-track", "OFF_TRACK", "Off_Track"}) {
    std::tie(rc, out) = Svctl("manager-derbyshire",
                              absl::StrCat("contracts --status=", status));
    EXPECT_EQ(rc, 0) << status << "\n" << out;
  }
}

TEST_F(SvctlTest, HelpTeachesEveryCommand) {
  auto [rc, out] = Svctl("", "--help");
  ASSERT_EQ(rc, 0) << out;
  std::vector<std::string> commands;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "Global flags")) break;
    // "  report               report what was delivered ..."
    if (line.size() < 3 || !absl::StartsWith(line, "  ") || line[2] == ' ' ||
        line[2] == '-') {
      continue;
    }
    line.remove_prefix(2);
    commands.emplace_back(line.substr(0, line.find(' ')));
  }
  for (const char* needed :
       {"register", "commit", "report", "review", "deliveries", "verify",
        "reject", "amend", "withdraw", "close-contract", "assess", "action",
        "progress", "contracts", "cases", "describe"}) {
    EXPECT_NE(std::find(commands.begin(), commands.end(), needed),
              commands.end())
        << needed << " missing from svctl --help:\n"
        << out;
  }
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "  --")) {
      EXPECT_FALSE(
          absl::StrContains(line.substr(0, line.find_first_of("= ", 2)), "_"))
          << "flags are spelled with dashes: " << line;
    }
  }
  for (const std::string& command : commands) {
    std::tie(rc, out) = Svctl("", command + " --help");
    EXPECT_EQ(rc, 0) << command << "\n" << out;
    EXPECT_THAT(out, HasSubstr("Example:\n  svctl ")) << command;
    // Flags shown with dashes; none spelled with an underscore.
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      if (absl::StartsWith(line, "  --")) {
        absl::string_view flag = line.substr(2, line.find_first_of("= ", 2));
        EXPECT_FALSE(absl::StrContains(flag, "_")) << command << ": " << line;
      }
    }
  }
  // svledger --help lists its flags, with dashes.
  std::tie(rc, out) = testing::Shell(std::string(SVLEDGER_PATH) + " --help");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("--data-dir=VALUE"));
  EXPECT_THAT(out, HasSubstr("--backup-dir=VALUE"));
  EXPECT_THAT(out, Not(HasSubstr("--data_dir")));
}

TEST_F(SvctlTest, TablesFitTheTerminalAndKeepTheIds) {
  RegisterWithCommitments();
  for (int width : {60, 100}) {
    auto [rc, out] = Svctl("manager-derbyshire", "progress DER-T1",
                           absl::StrCat("COLUMNS=", width));
    ASSERT_EQ(rc, 0) << out;
    bool saw_table = false;
    for (absl::string_view line : absl::StrSplit(out, '\n')) {
      if (absl::StartsWith(line, "ID ")) saw_table = true;
      if (!saw_table) continue;
      // Code points, not bytes ("…" and "£" are several bytes).
      size_t chars = 0;
      for (char ch : line) chars += (ch & 0xC0) != 0x80;
      EXPECT_LE(chars, static_cast<size_t>(width)) << line;
    }
    EXPECT_TRUE(saw_table) << out;
    EXPECT_THAT(out, HasSubstr("\nc1 ")) << out;  // the id is never cut
    EXPECT_THAT(out, HasSubstr("12 FTE"));
  }
  // Piped, with NO_COLOR: no colour sequences.
  auto [rc, out] =
      Svctl("manager-derbyshire", "contracts", "NO_COLOR=1 COLUMNS=200");
  EXPECT_THAT(out, Not(HasSubstr("\033[")));
}

TEST_F(SvctlTest, DescribeShowsARequestMessage) {
  auto [rc, out] = Svctl("admin", "describe svledger.v1.ReportDeliveryRequest");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("svledger.v1.DeliveryReported delivery = 3;"));
  EXPECT_THAT(out, HasSubstr("string quantity = 9;"));
  std::tie(rc, out) = Svctl("admin", "describe svledger.v1.ProgressService");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("rpc ListDeliveries("));
  // read decodes payloads of svledger's own event types.
  RegisterWithCommitments();
  std::tie(rc, out) = Svctl("auditor", "read contract-DER-T1");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("\"title\":\"Highways maintenance\""));
}

}  // namespace
}  // namespace svledger

// Backups and the hash chain through the real binaries, as an operator
// uses them: svctl backup create (twice, while a client appends), list and
// verify, log-head and verify-log with an anchor; then svledger restore
// into a new directory, a server started on it with its projections
// current and its log equal to the source's event by event up to the
// restored position; then an event edited offline in the restored RocksDB
// files, which svctl verify-log (online) and svledger verify-log (offline)
// name by position.

#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "eventstore/chain.h"
#include "eventstore/format.h"
#include "eventstore/stored_event.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "tests/testing/http.h"
#include "tests/testing/shell.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

using svledger::testing::Shell;
using svledger::testing::Subprocess;
using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

// A running server and a channel to it.
struct Running {
  Running(const std::string& data, const std::string& backups) {
    std::vector<std::string> argv = {
        SVLEDGER_PATH,
        "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
        "--metrics-listen=127.0.0.1:0",
        "--data-dir=" + data,
        "--no-enforcement",
        std::string("--frameworks-dir=") + SVLEDGER_FRAMEWORKS_DIR,
        "--demo"};
    if (!backups.empty()) argv.push_back("--backup-dir=" + backups);
    server = std::make_unique<Subprocess>(argv);
    std::optional<testing::StartReport> report =
        testing::ReadStartReport(*server, absl::Seconds(60));
    EXPECT_TRUE(report.has_value()) << "server did not start";
    if (!report.has_value()) return;
    address = absl::StrCat("127.0.0.1:", report->port);
    metrics_port = report->metrics_port;
    channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  }
  ~Running() { Stop(); }
  void Stop() {
    if (server == nullptr) return;
    server->Signal(SIGTERM);
    EXPECT_TRUE(server->Wait(absl::Seconds(30)).has_value());
    server.reset();
  }
  std::pair<int, std::string> Svctl(const std::string& args) const {
    return Shell(absl::StrCat(SVCTL_PATH, " --server=", address, " ", args));
  }

  std::unique_ptr<Subprocess> server;
  std::string address;
  int metrics_port = 0;
  std::shared_ptr<grpc::Channel> channel;

  double Metric(const std::string& series) const {
    absl::StatusOr<std::string> text =
        testing::HttpGet(metrics_port, "/metrics");
    return text.ok() ? testing::MetricValue(*text, series).value_or(-1) : -1;
  }
  std::string Metrics() const {
    return testing::HttpGet(metrics_port, "/metrics").value_or("");
  }
};

std::vector<v1::RecordedEvent> ReadAll(grpc::Channel& channel, uint64_t last) {
  auto stub = v1::EventLog::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  std::vector<v1::RecordedEvent> events;
  for (uint64_t from = 1; from <= last;) {
    v1::ReadAllRequest request;
    request.set_from_position(from);
    request.set_limit(1000);
    grpc::ClientContext context;
    v1::ReadAllResponse response;
    EXPECT_TRUE(stub->ReadAll(&context, request, &response).ok());
    if (response.events().empty()) break;
    for (const v1::RecordedEvent& e : response.events()) {
      if (e.position() <= last) events.push_back(e);
    }
    from = response.next_position();
  }
  return events;
}

// Changes the payload of the event at `position` in a stopped server's
// log, keeping its stored hash: what a quiet edit of the files does.
void EditOffline(const std::string& log, uint64_t position) {
  namespace format = eventstore::format;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {
      {rocksdb::kDefaultColumnFamilyName, {}},
      {format::kEventsCf, {}},
      {format::kStreamIndexCf, {}},
      {format::kEventIdsCf, {}}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open({}, log, cfs, &handles, &db).ok());
  std::string value;
  ASSERT_TRUE(
      db->Get({}, handles[1], format::EncodeU64(position), &value).ok());
  auto sealed = *eventstore::chain::Split(position, value);
  storage::v1::StoredEvent event;
  ASSERT_TRUE(event.ParseFromArray(sealed.content.data(),
                                   static_cast<int>(sealed.content.size())));
  event.set_payload(event.payload() + " (edited)");
  ASSERT_TRUE(
      db->Put({}, handles[1], format::EncodeU64(position),
              eventstore::chain::Seal(event.SerializeAsString(), sealed.hash))
          .ok());
  for (auto* h : handles) (void)db->DestroyColumnFamilyHandle(h);
  (void)db->Close();
  delete db;
}

TEST(BackupEndToEndTest, BackUpUnderLoadRestoreAndCatchAnEdit) {
  TempDir dir;
  const std::string data = dir.Sub("data"), backups = dir.Sub("backups"),
                    restored = dir.Sub("restored");
  Running source(data, backups);
  ASSERT_TRUE(source.channel != nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread load([&] {
    auto stub = v1::EventLog::NewStub(source.channel);
    for (int i = 0; !stop; ++i) {
      v1::AppendRequest request;
      request.set_stream_id(absl::StrCat("load-", i % 5));
      request.mutable_any();
      v1::ProposedEvent* e = request.add_events();
      e->set_type("Loaded");
      e->set_payload(std::string(300, 'l'));
      grpc::ClientContext context;
      v1::AppendResponse response;
      if (stub->Append(&context, request, &response).ok()) ++appended;
    }
  });
  ASSERT_TRUE(WaitUntil([&] { return appended > 200; }, absl::Seconds(30)));
  for (int i = 1; i <= 2; ++i) {
    auto [rc, out] = source.Svctl("backup create");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(absl::StrContains(out, absl::StrCat("backup ", i, " created")))
        << out;
  }
  stop = true;
  load.join();

  auto [list_rc, list] = source.Svctl("backup list");
  ASSERT_EQ(list_rc, 0) << list;
  EXPECT_TRUE(absl::StrContains(list, "2 backups in " + backups)) << list;
  auto [verify_rc, verified] = source.Svctl("backup verify");
  EXPECT_EQ(verify_rc, 0) << verified;
  EXPECT_TRUE(absl::StrContains(verified, "backup 2 verified")) << verified;
  // What the metrics say of it.
  EXPECT_EQ(source.Metric("svledger_backups_total{outcome=\"ok\"}"), 2);
  EXPECT_GT(source.Metric("svledger_backup_last_success_timestamp_seconds"),
            absl::ToUnixSeconds(absl::Now()) - 600);
  EXPECT_GT(source.Metric("svledger_backup_size_bytes"), 0);
  EXPECT_EQ(source.Metric("svledger_backup_last_verify_ok"), 1);
  EXPECT_GT(source.Metric("svledger_log_chain_head_position"), 200);
  EXPECT_TRUE(absl::StrContains(source.Metrics(),
                                "svledger_log_chain_head_info{position=\""))
      << source.Metrics();
  auto [bad_rc, bad] = source.Svctl("backup verify --backup-id=9");
  EXPECT_EQ(bad_rc, 1) << bad;
  EXPECT_TRUE(absl::StrContains(bad, "NOT_FOUND")) << bad;

  auto [head_rc, head] = source.Svctl("log-head --json");
  ASSERT_EQ(head_rc, 0) << head;
  v1::LogHead log_head;
  {
    auto [rc, json] = source.Svctl("log-head");
    ASSERT_EQ(rc, 0);
    std::vector<std::string> lines = absl::StrSplit(json, '\n');
    ASSERT_GE(lines.size(), 2u) << json;
    uint64_t position = 0;
    ASSERT_TRUE(absl::SimpleAtoi(lines[0].substr(9), &position)) << json;
    log_head.set_position(position);
    log_head.set_sha256(lines[1].substr(9));
  }
  auto [anchor_rc, anchored] = source.Svctl(
      absl::StrCat("verify-log --indexes --anchor=", log_head.position(), ":",
                   log_head.sha256()));
  EXPECT_EQ(anchor_rc, 0) << anchored;
  EXPECT_TRUE(absl::StrContains(anchored, "chain intact")) << anchored;
  EXPECT_TRUE(absl::StrContains(anchored, "matches")) << anchored;
  source.Stop();

  // The README's restore, then a server on the restored directory.
  auto [restore_rc, restore] = Shell(absl::StrCat(
      SVLEDGER_PATH, " restore --from=", backups, " --data-dir=", restored));
  ASSERT_EQ(restore_rc, 0) << restore;
  uint64_t position = 0;
  {
    const size_t at = restore.find("log through position ");
    ASSERT_NE(at, std::string::npos) << restore;
    ASSERT_TRUE(absl::SimpleAtoi(
        restore.substr(at + 21, restore.find(',', at) - at - 21), &position))
        << restore;
  }
  EXPECT_GT(position, 200u);
  auto [again_rc, again] = Shell(absl::StrCat(
      SVLEDGER_PATH, " restore --from=", backups, " --data-dir=", restored));
  EXPECT_NE(again_rc, 0);
  EXPECT_TRUE(absl::StrContains(again, "--data-dir")) << again;

  {
    Running copy(restored, "");
    Running original(data, "");
    ASSERT_TRUE(copy.channel != nullptr && original.channel != nullptr);
    // Its projections are current: caught up from their restored
    // checkpoint by themselves.
    auto admin = v1::AdminService::NewStub(copy.channel);
    EXPECT_TRUE(WaitUntil(
        [&] {
          v1::GetProjectionStatusRequest request;
          request.set_name("contracts");
          grpc::ClientContext context;
          v1::ProjectionStatus status;
          return admin->GetProjectionStatus(&context, request, &status).ok() &&
                 status.applied_position() == status.head_position() &&
                 status.head_position() == position;
        },
        absl::Seconds(30)));
    const std::vector<v1::RecordedEvent> want =
        ReadAll(*original.channel, position);
    const std::vector<v1::RecordedEvent> got = ReadAll(*copy.channel, position);
    ASSERT_EQ(got.size(), position);
    ASSERT_EQ(want.size(), position);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].SerializeAsString(), want[i].SerializeAsString())
          << "position " << i + 1;
    }
  }

  // An event edited offline is named, online and offline.
  EditOffline(restored + "/log", 57);
  {
    Running copy(restored, "");
    auto [rc, out] = copy.Svctl("verify-log");
    EXPECT_EQ(rc, 3) << out;
    EXPECT_TRUE(absl::StrContains(out, "chain BROKEN at position 57")) << out;
  }
  auto [offline_rc, offline] =
      Shell(absl::StrCat(SVLEDGER_PATH, " verify-log --data-dir=", restored));
  EXPECT_EQ(offline_rc, 3) << offline;
  EXPECT_TRUE(absl::StrContains(offline, "BROKEN at position 57")) << offline;
}

}  // namespace
}  // namespace svledger

// Storage faults against the real binary:
//  - a full disk (a small ext4 filesystem on a loop device; needs root, as
//    CI has, and is skipped with a message elsewhere): appends fail fast
//    naming the disk, nothing acknowledged is lost, reads go on, and
//    appends resume by themselves once space is freed, with no restart;
//  - a truncated or corrupted file at start-up: the server refuses to
//    start, naming the file and pointing to restore.
//
// Links only client-side protos (see proto/CMakeLists.txt).

#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "svledger/v1/admin_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "tests/testing/shell.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

namespace fs = std::filesystem;
using svledger::testing::Shell;
using svledger::testing::Subprocess;
using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

// A small ext4 filesystem on a loop device, unmounted on destruction.
class LoopDisk {
 public:
  // Empty `why` on success; else why it cannot be made here.
  LoopDisk(const TempDir& dir, int mib, std::string* why)
      : image_(dir.Sub("disk.img")), mount_(dir.Sub("disk")) {
    if (::geteuid() != 0) {
      *why = "not root: mounting a loop device needs root";
      return;
    }
    fs::create_directories(mount_);
    auto [rc, out] = Shell(absl::StrCat(
        "truncate -s ", mib, "M ", image_, " && mkfs.ext4 -q -F -m 0 ", image_,
        " && mount -o loop ", image_, " ", mount_));
    if (rc != 0) {
      *why = "cannot mount a loop device here: " + out;
      return;
    }
    mounted_ = true;
  }
  ~LoopDisk() {
    if (mounted_) Shell("umount -l " + mount_);
  }
  const std::string& path() const { return mount_; }

  uint64_t FreeBytes() const {
    struct statvfs s;
    return statvfs(mount_.c_str(), &s) == 0
               ? static_cast<uint64_t>(s.f_bavail) * s.f_frsize
               : 0;
  }

 private:
  std::string image_, mount_;
  bool mounted_ = false;
};

grpc::Status Append(v1::EventLog::Stub& stub, const std::string& stream,
                    size_t payload_bytes, std::string* id) {
  v1::AppendRequest request;
  request.set_stream_id(stream);
  request.mutable_any();
  v1::ProposedEvent* e = request.add_events();
  e->set_type("Filler");
  e->set_payload(std::string(payload_bytes, 'f'));
  static int n = 0;
  *id = absl::StrCat("00000000-0000-4000-8000-",
                     absl::Dec(++n, absl::kZeroPad12));
  e->set_event_id(*id);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::AppendResponse response;
  return stub.Append(&context, request, &response);
}

// Every event id in the log, with how often it occurs; the log's length.
std::map<std::string, int> ReadIds(v1::EventLog::Stub& stub, uint64_t* count,
                                   grpc::Status* status) {
  std::map<std::string, int> ids;
  *count = 0;
  uint64_t from = 1;
  while (true) {
    v1::ReadAllRequest request;
    request.set_from_position(from);
    request.set_limit(1000);
    grpc::ClientContext context;
    v1::ReadAllResponse response;
    *status = stub.ReadAll(&context, request, &response);
    if (!status->ok() || response.events().empty()) return ids;
    for (const v1::RecordedEvent& e : response.events()) {
      ++ids[e.event_id()];
      ++*count;
      EXPECT_EQ(e.position(), *count);  // gap-free
    }
    from = response.next_position();
  }
}

TEST(StorageFaultTest, AFullDiskRefusesAppendsKeepsReadsAndHealsByItself) {
  TempDir dir;
  std::string why;
  LoopDisk disk(dir, 400, &why);
  if (!why.empty()) GTEST_SKIP() << why;
  const std::string data = disk.path() + "/data";
  Subprocess server({SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0", "--metrics-listen=",
                     "--data-dir=" + data, "--no-enforcement"});
  std::optional<testing::StartReport> report =
      testing::ReadStartReport(server, absl::Seconds(30));
  ASSERT_TRUE(report.has_value()) << "server did not start";
  auto stub = v1::EventLog::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", report->port),
                          grpc::InsecureChannelCredentials()));

  std::set<std::string> acked;
  std::string id;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Append(*stub, "before", 1000, &id).ok());
    acked.insert(id);
  }
  // Leave a little room, then fill it with appends.
  const std::string filler = disk.path() + "/filler";
  {
    const uint64_t free = disk.FreeBytes();
    ASSERT_GT(free, 8u << 20);
    auto [rc, out] =
        Shell(absl::StrCat("fallocate -l ", free - (6 << 20), " ", filler));
    ASSERT_EQ(rc, 0) << out;
  }
  grpc::Status refused;
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while (absl::Now() < deadline) {
    grpc::Status s = Append(*stub, "filling", 256 << 10, &id);
    if (!s.ok()) {
      refused = s;
      break;
    }
    acked.insert(id);
  }
  ASSERT_FALSE(refused.ok()) << "the disk never filled";
  EXPECT_TRUE(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
              refused.error_code() == grpc::StatusCode::UNAVAILABLE)
      << refused.error_code() << ": " << refused.error_message();
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "disk is full"))
      << refused.error_message();

  // Refused fast, naming the disk, while reads go on.
  for (int i = 0; i < 3; ++i) {
    absl::SleepFor(absl::Milliseconds(1200));  // past a recovery try
    const absl::Time start = absl::Now();
    grpc::Status s = Append(*stub, "while-full", 1000, &id);
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), data))
        << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "resume by themselves"))
        << s.error_message();
  }
  uint64_t count = 0;
  grpc::Status read;
  std::map<std::string, int> ids = ReadIds(*stub, &count, &read);
  ASSERT_TRUE(read.ok()) << read.error_message();
  for (const std::string& a : acked) EXPECT_EQ(ids[a], 1) << a;

  // Space freed: appends resume by themselves, in the same process.
  fs::remove(filler);
  ASSERT_TRUE(WaitUntil([&] { return Append(*stub, "after", 1000, &id).ok(); },
                        absl::Seconds(30)));
  acked.insert(id);
  EXPECT_FALSE(server.Wait(absl::ZeroDuration()).has_value());
  ids = ReadIds(*stub, &count, &read);
  ASSERT_TRUE(read.ok());
  for (const std::string& a : acked) EXPECT_EQ(ids[a], 1) << a;
  // The projections, on the same disk, saved what they had applied and
  // caught up, also by themselves.
  auto admin = v1::AdminService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", report->port),
                          grpc::InsecureChannelCredentials()));
  EXPECT_TRUE(WaitUntil(
      [&] {
        v1::GetProjectionStatusRequest request;
        request.set_name("contracts");
        grpc::ClientContext context;
        v1::ProjectionStatus status;
        return admin->GetProjectionStatus(&context, request, &status).ok() &&
               status.applied_position() == count;
      },
      absl::Seconds(30)));
  server.Signal(SIGTERM);
  ASSERT_TRUE(server.Wait(absl::Seconds(30)).has_value());
}

// The server's command line on `data`.
std::vector<std::string> ServerArgs(const std::string& data) {
  return {SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
          "--metrics-listen=", "--data-dir=" + data, "--no-enforcement"};
}

// Waits for `server` to serve; a stub to it, or null if it did not start.
std::unique_ptr<v1::EventLog::Stub> StubFor(Subprocess& server) {
  std::optional<testing::StartReport> report =
      testing::ReadStartReport(server, absl::Seconds(30));
  if (!report.has_value()) return nullptr;
  return v1::EventLog::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", report->port),
                          grpc::InsecureChannelCredentials()));
}

// Starts a server on `data`, appends `n` events and stops it; twice, so
// that the events end up in table files.
void Fill(const std::string& data, int n) {
  for (int round = 0; round < 2; ++round) {
    Subprocess server(ServerArgs(data));
    std::unique_ptr<v1::EventLog::Stub> stub = StubFor(server);
    ASSERT_NE(stub, nullptr);
    std::string id;
    for (int i = 0; round == 0 && i < n; ++i) {
      ASSERT_TRUE(Append(*stub, "s", 2000, &id).ok());
    }
    server.Signal(SIGTERM);
    ASSERT_TRUE(server.Wait(absl::Seconds(30)).has_value());
  }
}

std::string Largest(const std::string& dir, const std::string& extension) {
  std::string largest;
  uintmax_t size = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() == extension && f.file_size() > size) {
      size = f.file_size();
      largest = f.path().string();
    }
  }
  return largest;
}

void ExpectRefusesToStart(const std::string& data, const std::string& file) {
  auto [rc, out] = Shell(absl::StrCat(SVLEDGER_PATH,
                                      " --listen=127.0.0.1:0 --http-listen= --metrics-listen= "
                                      "--no-enforcement --data-dir=",
                                      data, " < /dev/null"));
  EXPECT_NE(rc, 0) << out;
  EXPECT_FALSE(absl::StrContains(out, "listening")) << out;
  EXPECT_TRUE(absl::StrContains(out, fs::path(file).filename().string()))
      << "the message does not name " << file << ":\n"
      << out;
  EXPECT_TRUE(absl::StrContains(out, "svledger restore")) << out;
}

TEST(StorageFaultTest, ATruncatedTableFileStopsTheStart) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  Fill(data, 3000);
  const std::string table = Largest(data + "/log", ".sst");
  ASSERT_FALSE(table.empty());
  fs::resize_file(table, fs::file_size(table) / 2);
  ExpectRefusesToStart(data, table);
}

TEST(StorageFaultTest, ACorruptedTableFileStopsTheStart) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  Fill(data, 3000);
  const std::string table = Largest(data + "/log", ".sst");
  ASSERT_FALSE(table.empty());
  {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(table) / 3));
    f.write("\x13\x37\x13\x37", 4);
  }
  ExpectRefusesToStart(data, table);
}

TEST(StorageFaultTest, ACorruptedWalRecordStopsTheStart) {
  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    Subprocess server(ServerArgs(data));
    std::unique_ptr<v1::EventLog::Stub> stub = StubFor(server);
    ASSERT_NE(stub, nullptr);
    std::string id;
    for (int i = 0; i < 300; ++i)
      ASSERT_TRUE(Append(*stub, "s", 2000, &id).ok());
    server.Signal(SIGKILL);  // the events are in the WAL only
    ASSERT_TRUE(server.Wait(absl::Seconds(30)).has_value());
  }
  const std::string wal = Largest(data + "/log", ".log");
  ASSERT_FALSE(wal.empty());
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(wal) / 2));
    f.write("\x13\x37\x13\x37", 4);
  }
  ExpectRefusesToStart(data, wal);
}

}  // namespace
}  // namespace svledger

// A connection flood against the real binary under a low descriptor limit
// (`ulimit -n 1024` in the child, as a careless shell would leave it):
// 1,124 sockets that never send the HTTP/2 preface, while a client that was
// already connected keeps appending. Before the server had its own accept
// loop and connection cap, the flood took every descriptor, RocksDB could
// not create its next WAL file, the log refused every later append, and
// gRPC's accept loop stopped for good.
//
// Links only client-side protos (see proto/CMakeLists.txt).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "tests/testing/http.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

constexpr int kChildDescriptors = 1024;
constexpr int kFlood = 1124;

// Whether the server has closed `fd` (reading it gives end of file or a
// reset).
bool ClosedByServer(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0) return false;
  char byte;
  return recv(fd, &byte, 1, MSG_DONTWAIT) <= 0;
}

absl::Status AppendOne(v1::EventLog::Stub& stub, const std::string& stream) {
  v1::AppendRequest request;
  request.set_stream_id(stream);
  request.mutable_any();
  v1::ProposedEvent* e = request.add_events();
  e->set_type("Flood");
  e->set_payload("x");
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  context.AddMetadata("svledger-actor", "flood-test");
  v1::AppendResponse response;
  grpc::Status s = stub.Append(&context, request, &response);
  return s.ok() ? absl::OkStatus()
                : absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                               s.error_message());
}

TEST(ConnectionFloodTest, WritesAndNewConnectionsSurviveADescriptorFlood) {
  // This process holds the flood's sockets: it needs more than the child.
  rlimit own{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &own), 0);
  if (own.rlim_max < kFlood + 256) {
    GTEST_SKIP() << "hard descriptor limit " << own.rlim_max << " too low";
  }
  own.rlim_cur = own.rlim_max;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &own), 0);

  TempDir dir;
  Subprocess server(
      {"/bin/sh", "-c",
       absl::StrCat("ulimit -n ", kChildDescriptors, " && exec \"$0\" \"$@\""),
       SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
       "--data-dir=" + dir.path(), "--handshake-timeout=3s",
       "--no-enforcement"});
  std::optional<testing::StartReport> report =
      testing::ReadStartReport(server, absl::Seconds(30));
  ASSERT_TRUE(report.has_value()) << "server did not start";
  const int port = report->port, metrics_port = report->metrics_port;
  const std::string& plan = report->descriptors;
  // The child says what it has: 1,024 descriptors, most for connections.
  EXPECT_TRUE(absl::StartsWith(
      plan, absl::StrCat("svledger: ", kChildDescriptors, " file descriptors")))
      << plan;

  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::EventLog::NewStub(channel);
  ASSERT_TRUE(AppendOne(*stub, "flood-before").ok());

  std::vector<int> flood;
  for (int i = 0; i < kFlood; ++i) {
    const int fd = testing::ConnectLoopback(port);
    ASSERT_GE(fd, 0) << "connect " << i << ": " << strerror(errno);
    flood.push_back(fd);
  }
  // Beyond the cap, connections are closed on arrival, long before the
  // handshake timeout.
  auto closed = [&] {
    int n = 0;
    for (int fd : flood) n += ClosedByServer(fd) ? 1 : 0;
    return n;
  };
  EXPECT_TRUE(WaitUntil([&] { return closed() >= 100; }, absl::Seconds(2)))
      << closed() << " of " << kFlood << " closed";

  // Meanwhile the connected client's appends all succeed: storage kept its
  // descriptors.
  for (int i = 0; i < 200; ++i) {
    absl::Status s = AppendOne(*stub, absl::StrCat("flood-during-", i % 7));
    ASSERT_TRUE(s.ok()) << "append " << i << ": " << s;
  }

  // A connection that never sends the preface is closed by the handshake
  // timeout (3 s here).
  EXPECT_TRUE(WaitUntil([&] { return closed() == kFlood; }, absl::Seconds(20)))
      << closed() << " of " << kFlood << " closed";
  for (int fd : flood) close(fd);

  // New connections are served again.
  auto fresh = v1::EventLog::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  absl::Status after = AppendOne(*fresh, "flood-after");
  ASSERT_TRUE(after.ok()) << after;

  // Every acknowledged event is in the log, once.
  v1::ReadAllRequest read;
  read.set_from_position(1);
  read.set_limit(1000);
  grpc::ClientContext context;
  context.AddMetadata("svledger-actor", "flood-test");
  v1::ReadAllResponse all;
  ASSERT_TRUE(fresh->ReadAll(&context, read, &all).ok());
  int mine = 0;
  for (const v1::RecordedEvent& e : all.events()) {
    mine += absl::StartsWith(e.stream_id(), "flood-") ? 1 : 0;
  }
  EXPECT_EQ(mine, 202);

  absl::StatusOr<std::string> metrics =
      testing::HttpGet(metrics_port, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_GT(
      testing::MetricValue(
          *metrics, "svledger_connections_refused_total{reason=\"limit\"}")
          .value_or(0),
      0)
      << *metrics;
  EXPECT_EQ(testing::MetricValue(*metrics, "svledger_descriptor_limit"),
            kChildDescriptors);
  EXPECT_EQ(testing::MetricValue(*metrics, "svledger_append_errors_total"), 0);
}

}  // namespace
}  // namespace svledger

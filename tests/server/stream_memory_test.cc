// Never-reading streams against the real binary: 1,000 Subscribe calls from
// position 1 over a log of 5 MB, none of which reads a byte. Before streams
// were bounded, each pinned a whole page (about 4.8 MiB: 1,000 streams took
// a server to 4.4 GiB); now each holds at most one 16 KiB response and the
// transport's window, and the server's peak resident memory must stay
// within 300 MB of where it started.
//
// Links only client-side protos (see proto/CMakeLists.txt).

#include <fstream>
#include <memory>
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
#include "tests/testing/proc_status.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

constexpr int kStreams = 1000;
constexpr int kChannels = 50;
constexpr int64_t kAllowedGrowthKb = 300 * 1024;

double Metric(int port, const std::string& series) {
  absl::StatusOr<std::string> text = testing::HttpGet(port, "/metrics");
  return text.ok() ? testing::MetricValue(*text, series).value_or(-1) : -1;
}

TEST(StreamMemoryTest, NeverReadingStreamsPinLittleMemory) {
  TempDir dir;
  Subprocess server({SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
                     "--metrics-listen=127.0.0.1:0", "--data-dir=" + dir.path(),
                     "--no-enforcement"});
  std::optional<testing::StartReport> report =
      testing::ReadStartReport(server, absl::Seconds(30));
  ASSERT_TRUE(report.has_value()) << "server did not start";
  const int port = report->port, metrics_port = report->metrics_port;
  ASSERT_GT(port, 0);
  ASSERT_GT(metrics_port, 0);

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < kChannels; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // one connection each
    channels.push_back(
        grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                  grpc::InsecureChannelCredentials(), args));
  }
  auto stub = v1::EventLog::NewStub(channels[0]);
  for (int i = 0; i < 5; ++i) {  // 500 events of 10 KB
    v1::AppendRequest request;
    request.set_stream_id("filler");
    request.mutable_any();
    for (int j = 0; j < 100; ++j) {
      v1::ProposedEvent* e = request.add_events();
      e->set_type("Filler");
      e->set_payload(std::string(10 << 10, 'f'));
    }
    grpc::ClientContext context;
    v1::AppendResponse response;
    ASSERT_TRUE(stub->Append(&context, request, &response).ok());
  }
  const int64_t before_kb = testing::StatusKb(server.pid(), "VmRSS");
  ASSERT_GT(before_kb, 0);

  struct Call {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader;
  };
  std::vector<std::unique_ptr<Call>> calls;
  for (int i = 0; i < kStreams; ++i) {
    auto call = std::make_unique<Call>();
    // Callers of their own: one caller may hold only 100 streams.
    call->context.AddMetadata("svledger-actor", absl::StrCat("idle-", i % 20));
    v1::SubscribeRequest request;
    request.set_from_position(1);
    call->reader = v1::EventLog::NewStub(channels[i % kChannels])
                       ->Subscribe(&call->context, request);
    calls.push_back(std::move(call));
  }
  ASSERT_TRUE(WaitUntil(
      [&] {
        return Metric(metrics_port,
                      "svledger_streams_open{kind=\"subscribe\"}") == kStreams;
      },
      absl::Seconds(60)));
  // Every stream has written what the transport takes; watch the peak for
  // a while as they sit there.
  const absl::Time until = absl::Now() + absl::Seconds(3);
  int64_t peak_kb = 0;
  while (absl::Now() < until) {
    peak_kb = std::max(peak_kb, testing::StatusKb(server.pid(), "VmHWM"));
    ASSERT_LT(peak_kb - before_kb, kAllowedGrowthKb)
        << "server grew from " << before_kb << " kB to " << peak_kb << " kB";
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::printf("server resident: %lld kB before, peak %lld kB with %d streams\n",
              static_cast<long long>(before_kb),
              static_cast<long long>(peak_kb), kStreams);
  for (auto& call : calls) call->context.TryCancel();
  for (auto& call : calls) call->reader->Finish();
}

}  // namespace
}  // namespace svledger

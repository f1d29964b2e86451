// End-to-end: runs the real svledger binary as ./scripts/run does (with
// authentication on: --dev-auth, every call made as the demo's admin
// persona), and talks to it only over gRPC, as generic tools would: the
// health check, server reflection, appends, and a graceful SIGTERM with
// appends in flight, after which every acknowledged append is still there
// on restart.
//
// Links the client copy of the reflection schema, so it must not link the
// server libraries (see proto/CMakeLists.txt).

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/client_interceptor.h"
#include "gtest/gtest.h"
#include "svledger/v1/enforcement_service.grpc.pb.h"
#include "svledger/v1/event_log.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger {
namespace {

using svledger::testing::Subprocess;
using svledger::testing::TempDir;

// Starts svledger on a free port and returns the port it printed.
int StartServer(Subprocess& server) {
  std::optional<std::string> line = server.ReadLine(absl::Seconds(30));
  if (!line.has_value()) return 0;
  // "svledger listening on 127.0.0.1:PORT, data in DIR"
  const size_t colon = line->find(':');
  const size_t comma = line->find(',');
  int port = 0;
  if (colon == std::string::npos || comma == std::string::npos ||
      !absl::SimpleAtoi(line->substr(colon + 1, comma - colon - 1), &port)) {
    ADD_FAILURE() << "unexpected first line: " << *line;
  }
  return port;
}

// The token every call presents: the admin persona's, which the server
// wrote under its data directory (--dev-auth). Set by each test.
std::string g_token_file;

// Adds "authorization: Bearer <admin token>" to every call of a channel.
class Bearer final : public grpc::experimental::Interceptor {
 public:
  explicit Bearer(std::string token) : token_(std::move(token)) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert(
          {"authorization", "Bearer " + token_});
    }
    methods->Proceed();
  }

 private:
  const std::string token_;
};

class BearerFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerFactory(std::string token) : token_(std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new Bearer(token_);
  }

 private:
  const std::string token_;
};

std::shared_ptr<grpc::Channel> Connect(int port) {
  std::ifstream in(g_token_file);
  std::string token;
  in >> token;
  EXPECT_FALSE(token.empty()) << "no token in " << g_token_file;
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<BearerFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(),
      grpc::ChannelArguments(), std::move(interceptors));
}

v1::AppendRequest OneEvent(const std::string& stream) {
  v1::AppendRequest request;
  request.set_stream_id(stream);
  request.mutable_any();
  v1::ProposedEvent* e = request.add_events();
  e->set_type("E2E");
  e->set_payload("x");
  return request;
}

TEST(ServerE2ETest, HealthReflectionAndGracefulShutdownWithAppendsInFlight) {
  TempDir dir;
  g_token_file = dir.path() + "/dev-auth/tokens/admin.jwt";
  const std::vector<std::string> argv = {
      SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
      "--data-dir=" + dir.path(), "--dev-auth"};
  std::vector<uint64_t> acknowledged;
  {
    Subprocess server(argv);
    const int port = StartServer(server);
    ASSERT_GT(port, 0);
    auto channel = Connect(port);

    // The standard health check.
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext health_context;
    grpc::health::v1::HealthCheckRequest health_request;
    grpc::health::v1::HealthCheckResponse health_response;
    ASSERT_TRUE(
        health->Check(&health_context, health_request, &health_response).ok());
    EXPECT_EQ(health_response.status(),
              grpc::health::v1::HealthCheckResponse::SERVING);

    // Server reflection lists the API and describes it.
    auto reflection =
        grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
    grpc::ClientContext reflection_context;
    auto stream = reflection->ServerReflectionInfo(&reflection_context);
    grpc::reflection::v1alpha::ServerReflectionRequest list;
    list.set_list_services("");
    ASSERT_TRUE(stream->Write(list));
    grpc::reflection::v1alpha::ServerReflectionResponse listed;
    ASSERT_TRUE(stream->Read(&listed));
    std::set<std::string> names;
    for (const auto& s : listed.list_services_response().service()) {
      names.insert(s.name());
    }
    EXPECT_TRUE(names.count("svledger.v1.EventLog"));
    EXPECT_TRUE(names.count("grpc.health.v1.Health"));
    grpc::reflection::v1alpha::ServerReflectionRequest symbol;
    symbol.set_file_containing_symbol("svledger.v1.EventLog");
    ASSERT_TRUE(stream->Write(symbol));
    grpc::reflection::v1alpha::ServerReflectionResponse described;
    ASSERT_TRUE(stream->Read(&described));
    EXPECT_GT(described.file_descriptor_response().file_descriptor_proto_size(),
              0);
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());

    // Reflection needs a principal: without a token it is cancelled, while
    // the health check above needs none.
    auto anonymous = grpc::reflection::v1alpha::ServerReflection::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
    grpc::ClientContext anonymous_context;
    auto refused = anonymous->ServerReflectionInfo(&anonymous_context);
    refused->Write(list);
    grpc::reflection::v1alpha::ServerReflectionResponse nothing;
    EXPECT_FALSE(refused->Read(&nothing));
    EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::CANCELLED);

    // Appenders run while SIGTERM arrives.
    std::atomic<bool> stop{false};
    std::atomic<int> ok_count{0};
    std::mutex mu;
    std::vector<std::thread> appenders;
    for (int t = 0; t < 4; ++t) {
      appenders.emplace_back([&, t] {
        auto stub = v1::EventLog::NewStub(channel);
        while (!stop) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(10));
          v1::AppendResponse response;
          grpc::Status status = stub->Append(
              &context, OneEvent("e2e-" + std::to_string(t)), &response);
          if (status.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.push_back(response.last_position());
            ok_count++;
          } else if (status.error_code() != grpc::StatusCode::UNAVAILABLE &&
                     status.error_code() != grpc::StatusCode::CANCELLED) {
            ADD_FAILURE() << "unexpected error during shutdown: "
                          << status.error_message();
            return;
          }
        }
      });
    }
    while (ok_count < 200) std::this_thread::yield();
    server.Signal(SIGTERM);
    std::optional<int> status = server.Wait(absl::Seconds(30));
    stop = true;
    for (auto& a : appenders) a.join();
    ASSERT_TRUE(status.has_value()) << "server did not stop after SIGTERM";
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << "exit status " << *status;
  }

  // Restart on the same data: every acknowledged append is there.
  Subprocess server(argv);
  const int port = StartServer(server);
  ASSERT_GT(port, 0);
  auto stub = v1::EventLog::NewStub(Connect(port));
  std::set<uint64_t> present;
  uint64_t from = 1;
  while (true) {
    grpc::ClientContext context;
    v1::ReadAllRequest request;
    request.set_from_position(from);
    request.set_limit(1000);
    v1::ReadAllResponse response;
    ASSERT_TRUE(stub->ReadAll(&context, request, &response).ok());
    if (response.events_size() == 0) break;
    for (const auto& e : response.events()) present.insert(e.position());
    from = response.next_position();
  }
  for (uint64_t position : acknowledged) {
    EXPECT_TRUE(present.count(position))
        << "acknowledged " << position << " lost";
  }
  EXPECT_EQ(present.size(), from - 1);  // gap-free
  // An idle synchronous channel does not answer the server's graceful-GOAWAY
  // ping until a timeout of about 5 s, which would stretch the shutdown;
  // close it, as a finished client would.
  stub.reset();
  server.Signal(SIGTERM);
  std::optional<int> status = server.Wait(absl::Seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
}

TEST(ServerE2ETest, ASecondServerOnTheSameDataDirectoryFailsClearly) {
  TempDir dir;
  g_token_file = dir.path() + "/dev-auth/tokens/admin.jwt";
  Subprocess first({SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
                    "--metrics-listen=127.0.0.1:0", "--data-dir=" + dir.path(),
                    "--dev-auth"});
  ASSERT_GT(StartServer(first), 0);
  Subprocess second({SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
                     "--metrics-listen=127.0.0.1:0", "--data-dir=" + dir.path(),
                     "--dev-auth"});
  std::optional<int> status = second.Wait(absl::Seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1);
}

// As ./scripts/run starts it: the frameworks and the demo data on first
// start, a living system to query; a restart loads nothing twice, and
// --no-demo loads nothing.
TEST(ServerE2ETest, FirstStartLoadsTheDemoOnceAndNoDemoSkipsIt) {
  TempDir dir;
  g_token_file = dir.path() + "/dev-auth/tokens/admin.jwt";
  auto list = [](int port) {
    auto stub = v1::ProgressService::NewStub(Connect(port));
    v1::ListContractsRequest request;
    request.set_page_size(500);
    v1::ListContractsResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub->ListContracts(&context, request, &response).ok());
    return response;
  };
  const std::vector<std::string> demo = {
      SVLEDGER_PATH,
      "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
      "--metrics-listen=127.0.0.1:0",
      "--data-dir=" + dir.path(),
      "--dev-auth",
      std::string("--frameworks-dir=") + SVLEDGER_FRAMEWORKS_DIR,
      "--demo"};
  // The enforcement cases, open or closed, as "<contract>/<case>".
  auto cases = [](int port) {
    auto stub = v1::EnforcementService::NewStub(Connect(port));
    v1::ListCasesRequest request;
    request.set_page_size(500);
    v1::ListCasesResponse response;
    grpc::ClientContext context;
    EXPECT_TRUE(stub->ListCases(&context, request, &response).ok());
    std::set<std::string> out;
    for (const auto& c : response.cases()) {
      out.insert(c.contract_id() + "/" + c.case_id());
    }
    return out;
  };
  // The commitments that should have a case, open or closed (the demo's
  // history opened, escalated and closed cases over two years): every one
  // OFF_TRACK or MISSED, as "<contract>/<commitment>".
  auto short_of = [](int port, const v1::ListContractsResponse& contracts) {
    auto stub = v1::ProgressService::NewStub(Connect(port));
    std::set<std::string> out;
    for (const auto& c : contracts.contracts()) {
      v1::GetContractProgressRequest request;
      request.set_contract_id(c.contract_id());
      v1::ContractProgress progress;
      grpc::ClientContext context;
      EXPECT_TRUE(stub->GetContractProgress(&context, request, &progress).ok());
      for (const auto& m : progress.commitments()) {
        if (m.status() == v1::OFF_TRACK || m.status() == v1::MISSED) {
          out.insert(c.contract_id() + "/" + m.commitment_id());
        }
      }
    }
    return out;
  };
  v1::ListContractsResponse first;
  std::set<std::string> first_cases;
  {
    Subprocess server(demo);
    const int port = StartServer(server);
    ASSERT_GT(port, 0);
    // The enforcement policy's first sweep runs at start-up (and the
    // projection follows the demo's last commands a moment after they
    // return, so both are read again until they agree).
    std::set<std::string> expected;
    EXPECT_TRUE(testing::WaitUntil(
        [&] {
          first = list(port);
          expected = short_of(port, first);
          first_cases = cases(port);
          std::set<std::string> with_a_case;
          for (const std::string& c : first_cases) {
            with_a_case.insert(c.substr(0, c.find('#')));
          }
          return !expected.empty() &&
                 std::includes(with_a_case.begin(), with_a_case.end(),
                               expected.begin(), expected.end());
        },
        absl::Seconds(30)))
        << first_cases.size() << " cases, " << expected.size() << " expected";
    server.Signal(SIGTERM);
    ASSERT_TRUE(server.Wait(absl::Seconds(30)).has_value());
  }
  EXPECT_EQ(first.contracts_size(), 20);  // five for each of four councils
  std::set<int> statuses;
  std::set<std::string> councils;
  for (const auto& c : first.contracts()) {
    statuses.insert(c.status());
    councils.insert(c.framework().id());
    EXPECT_GE(c.commitments(), 3u);
    EXPECT_LE(c.commitments(), 4u);
  }
  EXPECT_EQ(councils.size(), 4u);
  EXPECT_GE(statuses.size(), 3u) << "the demo should show a mix of statuses";
  {
    Subprocess server(demo);
    const int port = StartServer(server);
    ASSERT_GT(port, 0);
    EXPECT_EQ(list(port).contracts_size(), 20);
    EXPECT_EQ(cases(port), first_cases) << "a restart keeps the same cases";
  }
  TempDir empty;
  g_token_file = empty.path() + "/dev-auth/tokens/admin.jwt";
  Subprocess bare({SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
                   "--metrics-listen=127.0.0.1:0", "--data-dir=" + empty.path(),
                   "--dev-auth",
                   std::string("--frameworks-dir=") + SVLEDGER_FRAMEWORKS_DIR,
                   "--demo", "--no-demo"});
  const int port = StartServer(bare);
  ASSERT_GT(port, 0);
  EXPECT_EQ(list(port).contracts_size(), 0);
}

}  // namespace
}  // namespace svledger

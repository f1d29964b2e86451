// In-process gRPC tests of ContractService against the real server
// composition (port 0, temporary data, the councils' frameworks published
// on first start).

#include <atomic>
#include <functional>
#include <optional>
#include <thread>

#include "common/uuid.h"
#include "domain/contract.h"
#include "gmock/gmock.h"
#include "google/protobuf/unknown_field_set.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "server/server.h"
#include "svledger/v1/contract_service.grpc.pb.h"
#include "svledger/v1/progress_service.grpc.pb.h"
#include "tests/services/requests.h"
#include "tests/testing/temp_dir.h"

namespace svledger::services {
namespace {

using server::Server;
using server::ServerOptions;

using svledger::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

v1::Date D(int y, int m, int d) { return domain::MakeDate(y, m, d); }

class ContractServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.grpc.listen = "127.0.0.1:0";
    options.storage.data_dir = dir_.path();
    options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
    // Commands alone: the policy's events would change the counts.
    options.app.enforcement = false;
    auto server = Server::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::ContractService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  grpc::Status Register(const std::string& request_id,
                        v1::CommandResponse* response,
                        uint32_t framework_version = 1) {
    v1::RegisterContractRequest request;
    request.set_request_id(request_id);
    v1::ContractRegistered* c = request.mutable_contract();
    c->set_contract_id("NCC-2025-7");
    c->mutable_framework()->set_id("norwich");
    c->mutable_framework()->set_version(framework_version);
    c->set_title("Waste collection");
    c->set_supplier_id("norse");
    c->set_supplier_name("Norse Environmental Ltd");
    c->mutable_value()->set_pence(1200000000);
    *c->mutable_start() = D(2025, 4, 1);
    *c->mutable_end() = D(2030, 3, 31);
    c->set_social_value_weighting_percent(10);
    c->set_contract_manager("p.jones");
    grpc::ClientContext context;
    return stub_->RegisterContract(&context, request, response);
  }

  grpc::Status AddJobs(v1::CommandResponse* response) {
    v1::AddCommitmentsRequest request;
    request.set_request_id("add-1");
    request.set_contract_id("NCC-2025-7");
    v1::Commitment* c = request.add_commitments();
    c->set_commitment_id("jobs");
    c->set_measure_id("jobs.new_local");
    c->set_target("25");
    *c->mutable_due() = D(2027, 3, 31);
    grpc::ClientContext context;
    return stub_->AddCommitments(&context, request, response);
  }

  grpc::Status Report(v1::ReportDeliveryRequest request,
                      v1::CommandResponse* response) {
    grpc::ClientContext context;
    return stub_->ReportDelivery(&context, request, response);
  }

  // A report for April to June 2025, or with `day` >= 0 for the one day
  // `day` days after 1 July 2025 (reports of one commitment never overlap).
  static v1::ReportDeliveryRequest Delivery(const std::string& id,
                                            double quantity, int day = -1) {
    if (day >= 0) {
      const absl::CivilDay on = absl::CivilDay(2025, 7, 1) + day;
      const v1::Date date =
          D(static_cast<int>(on.year()), on.month(), on.day());
      return testing::ReportRequest("NCC-2025-7", id, "jobs", quantity, date,
                                    date);
    }
    return testing::ReportRequest("NCC-2025-7", id, "jobs", quantity,
                                  D(2025, 4, 1), D(2025, 6, 30));
  }

  TempDir dir_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<v1::ContractService::Stub> stub_;
};

TEST_F(ContractServiceTest, CommandsAppendToTheContractStream) {
  v1::CommandResponse registered, added, reported, verified;
  ASSERT_TRUE(Register("reg-1", &registered).ok());
  ASSERT_TRUE(AddJobs(&added).ok());
  ASSERT_TRUE(Report(Delivery("q1", 6), &reported).ok());
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("verify-q1");
  verify.set_contract_id("NCC-2025-7");
  verify.mutable_verification()->set_delivery_id("q1");
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->VerifyDelivery(&context, verify, &verified).ok());

  EXPECT_LT(registered.position(), added.position());
  EXPECT_LT(added.position(), reported.position());
  EXPECT_EQ(verified.stream_version(), 3u);
  auto stream =
      server_->store().ReadStream("contract-NCC-2025-7", {.limit = 10});
  ASSERT_TRUE(stream.ok());
  std::vector<std::string> types;
  for (const auto& e : stream->events) types.push_back(e.type);
  EXPECT_EQ(types,
            (std::vector<std::string>{"ContractRegistered", "CommitmentsAdded",
                                      "DeliveryReported", "DeliveryVerified"}));
  EXPECT_EQ(stream->events[2].metadata.request_id, "report-q1");
}

// A field this server does not know is dropped before anything is
// stored (a 500 KB one inside a delivery was kept whole, making the text
// limits meaningless); a command larger than a command may be is refused.
TEST_F(ContractServiceTest, UnknownFieldsAreNotStoredAndCommandsAreSmall) {
  v1::CommandResponse registered, added, reported;
  ASSERT_TRUE(Register("reg-1", &registered).ok());
  ASSERT_TRUE(AddJobs(&added).ok());
  v1::ReportDeliveryRequest padded = Delivery("q1", 6);
  padded.mutable_delivery()
      ->GetReflection()
      ->MutableUnknownFields(padded.mutable_delivery())
      ->AddLengthDelimited(9999, std::string(500 << 10, 'x'));
  ASSERT_TRUE(Report(padded, &reported).ok());
  auto stream =
      server_->store().ReadStream("contract-NCC-2025-7", {.limit = 10});
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->events.back().type, "DeliveryReported");
  EXPECT_LT(stream->events.back().payload.size(), 4096u);

  v1::ReportDeliveryRequest huge = Delivery("q2", 6);
  huge.mutable_delivery()
      ->GetReflection()
      ->MutableUnknownFields(huge.mutable_delivery())
      ->AddLengthDelimited(9999, std::string(2 << 20, 'x'));
  v1::CommandResponse refused;
  grpc::Status status = Report(huge, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().substr(0, 8), "request:")
      << status.error_message();
  EXPECT_EQ(server_->store()
                .ReadStream("contract-NCC-2025-7", {.limit = 10})
                ->events.size(),
            stream->events.size());
}

TEST_F(ContractServiceTest, ARetriedRequestReturnsTheFirstAnswer) {
  v1::CommandResponse first, again;
  ASSERT_TRUE(Register("reg-1", &first).ok());
  ASSERT_TRUE(AddJobs(&first).ok());
  ASSERT_TRUE(Report(Delivery("q1", 6), &first).ok());
  const uint64_t head = server_->store().HeadPosition();
  // Deciding again would now fail (the delivery id exists): the request id
  // is answered from the log instead.
  ASSERT_TRUE(Report(Delivery("q1", 6), &again).ok());
  EXPECT_TRUE(again.replayed());
  EXPECT_EQ(again.position(), first.position());
  EXPECT_EQ(server_->store().HeadPosition(), head);
  // A new request id for the same delivery is a real duplicate.
  v1::ReportDeliveryRequest duplicate = Delivery("q1", 6);
  duplicate.set_request_id("another");
  EXPECT_EQ(Report(duplicate, &again).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // The same request id with different content is refused, naming
  // request_id, and writes nothing: it is not answered "replayed".
  v1::ReportDeliveryRequest changed = Delivery("q1-new", 7, 3);
  changed.set_request_id("report-q1");
  grpc::Status s = Report(changed, &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), StartsWith("request_id: 'report-q1'"));
  EXPECT_EQ(server_->store().HeadPosition(), head);
}

TEST_F(ContractServiceTest, ErrorsUseTheRightCodeAndWriteNothing) {
  const uint64_t head = server_->store().HeadPosition();  // frameworks only
  v1::CommandResponse response;
  grpc::Status s = Register("", &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("request_id"));
  s = Register("reg-1", &response, /*framework_version=*/9);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("not published"));
  s = Report(Delivery("q1", 1), &response);  // no such contract yet
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(server_->store().HeadPosition(), head);

  ASSERT_TRUE(Register("reg-1", &response).ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  v1::ReportDeliveryRequest bad = Delivery("q2", -3);
  s = Report(bad, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("delivery.quantity"));
  bad = Delivery("q3", 1);
  *bad.mutable_delivery()->mutable_period_end() = D(2031, 1, 1);
  EXPECT_EQ(Report(bad, &response).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::AddCommitmentsRequest no_contract;
  no_contract.set_request_id("x");
  EXPECT_EQ(
      [&] {
        grpc::ClientContext context;
        return stub_->AddCommitments(&context, no_contract, &response);
      }()
          .error_message(),
      "contract_id: required");
  // Offsets and sizes are the contract id's own, not its stream name's.
  no_contract.set_contract_id("X 1");
  EXPECT_EQ(
      [&] {
        grpc::ClientContext context;
        return stub_->AddCommitments(&context, no_contract, &response);
      }()
          .error_message(),
      "contract_id: character at offset 1 is not one of [A-Za-z0-9._:-]");
  no_contract.set_contract_id(std::string(120, 'x'));
  EXPECT_EQ(
      [&] {
        grpc::ClientContext context;
        return stub_->AddCommitments(&context, no_contract, &response);
      }()
          .error_message(),
      "contract_id: 120 bytes exceeds the limit of 119");
  EXPECT_EQ(server_->store().HeadPosition(), head + 2);
}

TEST_F(ContractServiceTest, AnEventTheDomainCannotApplyIsCountedAndSkipped) {
  v1::CommandResponse response;
  ASSERT_TRUE(Register("reg-1", &response).ok());
  // An admin writes something odd straight into the contract's stream.
  eventstore::ProposedEvent odd;
  odd.id = Uuid::FromName("odd");
  odd.type = "SomethingUnexpected";
  ASSERT_TRUE(server_->store()
                  .Append("contract-NCC-2025-7",
                          eventstore::ExpectedVersion::Any(), {odd})
                  .ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  EXPECT_EQ(response.stream_version(), 2u);
  EXPECT_EQ(server_->app().engine().skipped_events(), 1u);
}

// The service decides on its cached state; an event another writer put in
// the stream must still count, for a refusal as for a success.
TEST_F(ContractServiceTest, EventsFromAnotherWriterAreSeenBeforeRefusing) {
  v1::CommandResponse response;
  ASSERT_TRUE(Register("reg-1", &response).ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  // A delivery written straight into the log, not through this service.
  eventstore::ProposedEvent raw;
  raw.id = Uuid::FromName("raw-delivery");
  raw.type = "DeliveryReported";
  raw.payload = Delivery("q-raw", 3).delivery().SerializeAsString();
  ASSERT_TRUE(server_->store()
                  .Append("contract-NCC-2025-7",
                          eventstore::ExpectedVersion::Any(), {raw})
                  .ok());
  v1::VerifyDeliveryRequest verify;
  verify.set_request_id("verify-raw");
  verify.set_contract_id("NCC-2025-7");
  verify.mutable_verification()->set_delivery_id("q-raw");
  grpc::ClientContext context;
  grpc::Status s = stub_->VerifyDelivery(&context, verify, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.stream_version(), 3u);
}

// Several suppliers' staff report at once: each command loses races,
// re-reads and retries; every report lands once, versions stay gap-free.
TEST_F(ContractServiceTest, ConcurrentReportsOnOneContractAllLand) {
  v1::CommandResponse response;
  ASSERT_TRUE(Register("reg-1", &response).ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  constexpr int kThreads = 4, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        v1::CommandResponse r;
        grpc::Status s =
            Report(Delivery("t" + std::to_string(t) + "-" + std::to_string(i),
                            1, t * kEach + i),
                   &r);
        if (!s.ok()) {
          ADD_FAILURE() << s.error_message();
          failures++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto stream =
      server_->store().ReadStream("contract-NCC-2025-7", {.limit = 1000});
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->events.size(), 2u + kThreads * kEach);
}

// Every command's error paths through gRPC: the code, the field or reason
// in the message, and nothing written.
TEST_F(ContractServiceTest, EveryCommandsErrorsThroughGrpc) {
  v1::CommandResponse response;
  ASSERT_TRUE(Register("reg-1", &response).ok());
  ASSERT_TRUE(AddJobs(&response).ok());
  ASSERT_TRUE(Report(Delivery("q1", 6), &response).ok());
  const uint64_t head = server_->store().HeadPosition();
  struct Case {
    const char* name;
    std::function<grpc::Status(grpc::ClientContext*)> call;
    grpc::StatusCode code;
    const char* message;  // a substring
  };
  auto add = [&](std::function<void(v1::AddCommitmentsRequest&)> edit) {
    return [this, edit](grpc::ClientContext* c) {
      v1::AddCommitmentsRequest r;
      r.set_request_id("add-x");
      r.set_contract_id("NCC-2025-7");
      v1::Commitment* cm = r.add_commitments();
      cm->set_commitment_id("hours");
      cm->set_measure_id("volunteering.hours");
      cm->set_target("100");
      *cm->mutable_due() = D(2027, 3, 31);
      edit(r);
      v1::CommandResponse out;
      return stub_->AddCommitments(c, r, &out);
    };
  };
  auto report = [&](std::function<void(v1::ReportDeliveryRequest&)> edit) {
    return [this, edit](grpc::ClientContext* c) {
      v1::ReportDeliveryRequest r = Delivery("q9", 1, 0);
      edit(r);
      v1::CommandResponse out;
      return stub_->ReportDelivery(c, r, &out);
    };
  };
  auto verify = [&](std::string id) {
    return [this, id](grpc::ClientContext* c) {
      v1::VerifyDeliveryRequest r;
      r.set_request_id("v-" + id);
      r.set_contract_id("NCC-2025-7");
      r.mutable_verification()->set_delivery_id(id);
      v1::CommandResponse out;
      return stub_->VerifyDelivery(c, r, &out);
    };
  };
  auto reject = [&](std::string id, std::string reason) {
    return [this, id, reason](grpc::ClientContext* c) {
      v1::RejectDeliveryRequest r;
      r.set_request_id("r-" + id);
      r.set_contract_id("NCC-2025-7");
      r.mutable_rejection()->set_delivery_id(id);
      r.mutable_rejection()->set_reason(reason);
      v1::CommandResponse out;
      return stub_->RejectDelivery(c, r, &out);
    };
  };
  auto amend = [&](std::string id, std::optional<std::string> target) {
    return [this, id, target](grpc::ClientContext* c) {
      v1::AmendCommitmentRequest r;
      r.set_request_id("a-" + id);
      r.set_contract_id("NCC-2025-7");
      r.mutable_amendment()->set_commitment_id(id);
      if (target) r.mutable_amendment()->set_target(*target);
      r.mutable_amendment()->set_reason("review");
      v1::CommandResponse out;
      return stub_->AmendCommitment(c, r, &out);
    };
  };
  auto withdraw = [&](std::string id) {
    return [this, id](grpc::ClientContext* c) {
      v1::WithdrawCommitmentRequest r;
      r.set_request_id("w-" + id);
      r.set_contract_id("NCC-2025-7");
      r.mutable_withdrawal()->set_commitment_id(id);
      r.mutable_withdrawal()->set_reason("scope");
      v1::CommandResponse out;
      return stub_->WithdrawCommitment(c, r, &out);
    };
  };
  using enum grpc::StatusCode;
  const Case cases[] = {
      {"add: target 0",
       add([](auto& r) { r.mutable_commitments(0)->set_target("0"); }),
       INVALID_ARGUMENT, "commitments[0].target"},
      {"add: unknown measure",
       add([](auto& r) { r.mutable_commitments(0)->set_measure_id("x.y"); }),
       INVALID_ARGUMENT, "commitments[0].measure_id"},
      {"add: due after the contract", add([](auto& r) {
         *r.mutable_commitments(0)->mutable_due() = D(2031, 1, 1);
       }),
       INVALID_ARGUMENT, "commitments[0]: start and due"},
      {"add: id taken", add([](auto& r) {
         r.mutable_commitments(0)->set_commitment_id("jobs");
       }),
       ALREADY_EXISTS, "jobs"},
      {"add: unknown contract",
       add([](auto& r) { r.set_contract_id("NCC-0"); }), FAILED_PRECONDITION,
       "NCC-0"},
      {"report: negative",
       report([](auto& r) { r.mutable_delivery()->set_quantity("-1"); }),
       INVALID_ARGUMENT, "delivery.quantity"},
      {"report: unknown commitment",
       report([](auto& r) { r.mutable_delivery()->set_commitment_id("nope"); }),
       FAILED_PRECONDITION, "nope"},
      {"report: period outside the contract", report([](auto& r) {
         *r.mutable_delivery()->mutable_period_start() = D(2024, 1, 1);
       }),
       FAILED_PRECONDITION, "period"},
      {"report: id taken",
       report([](auto& r) { r.mutable_delivery()->set_delivery_id("q1"); }),
       ALREADY_EXISTS, "q1"},
      {"report: the period of another report", report([](auto& r) {
         *r.mutable_delivery()->mutable_period_start() = D(2025, 6, 1);
       }),
       FAILED_PRECONDITION, "period_start: the period overlaps delivery 'q1'"},
      {"report: more than six decimals",
       report([](auto& r) { r.mutable_delivery()->set_quantity("1.0000001"); }),
       INVALID_ARGUMENT, "delivery.quantity: \"1.0000001\" is not a decimal"},
      {"verify: unknown delivery", verify("q7"), FAILED_PRECONDITION, "q7"},
      {"reject: no reason", reject("q1", ""), INVALID_ARGUMENT, "reason"},
      {"amend: unknown commitment", amend("nope", "5"), FAILED_PRECONDITION,
       "nope"},
      {"amend: nothing to change", amend("jobs", std::nullopt),
       INVALID_ARGUMENT, ""},
      {"withdraw: unknown commitment", withdraw("nope"), FAILED_PRECONDITION,
       "nope"},
  };
  for (const Case& c : cases) {
    grpc::ClientContext context;
    grpc::Status s = c.call(&context);
    EXPECT_EQ(s.error_code(), c.code) << c.name << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.message)) << c.name;
  }
  EXPECT_EQ(server_->store().HeadPosition(), head) << "an error wrote";

  // State-dependent refusals: a withdrawn commitment, a closed contract.
  grpc::ClientContext c1;
  ASSERT_TRUE(withdraw("jobs")(&c1).ok());
  grpc::ClientContext c2;
  grpc::Status s = report([](auto&) {})(&c2);
  EXPECT_EQ(s.error_code(), FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("withdrawn"));
  v1::CloseContractRequest close;
  close.set_request_id("close");
  close.set_contract_id("NCC-2025-7");
  close.mutable_closure()->set_reason("term ended");
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->CloseContract(&c3, close, &response).ok());
  grpc::ClientContext c4;
  s = add([](auto&) {})(&c4);
  EXPECT_EQ(s.error_code(), FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("closed"));
  close.set_request_id("close-again");
  grpc::ClientContext c5;
  EXPECT_EQ(stub_->CloseContract(&c5, close, &response).error_code(),
            FAILED_PRECONDITION);
  // Pending deliveries may still be decided after closing.
  grpc::ClientContext c6;
  EXPECT_TRUE(verify("q1")(&c6).ok());
}

// One shard of a deployment sharded by council (--councils): it publishes
// only its councils' framework files and refuses to register a contract of
// another council, writing nothing and naming the field.
TEST(CouncilShardTest, AnInstanceServesOnlyItsCouncils) {
  TempDir dir;
  ServerOptions options;
  options.grpc.listen = "127.0.0.1:0";
  options.storage.data_dir = dir.path();
  options.seed.frameworks_dir = SVLEDGER_FRAMEWORKS_DIR;
  options.app.enforcement = false;
  options.app.councils = {"norwich", "rutland"};
  auto server = Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                          grpc::InsecureChannelCredentials());

  auto progress = v1::ProgressService::NewStub(channel);
  v1::ListFrameworksResponse frameworks;
  grpc::ClientContext list_context;
  ASSERT_TRUE(progress
                  ->ListFrameworks(&list_context, v1::ListFrameworksRequest(),
                                   &frameworks)
                  .ok());
  std::vector<std::string> ids;
  for (const auto& f : frameworks.frameworks()) ids.push_back(f.id());
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("norwich", "rutland"));

  auto contracts = v1::ContractService::NewStub(channel);
  v1::RegisterContractRequest request = testing::RegisterK1();
  request.mutable_contract()->mutable_framework()->set_id("derbyshire");
  const uint64_t head = (*server)->store().HeadPosition();
  v1::CommandResponse response;
  grpc::ClientContext refused;
  grpc::Status status =
      contracts->RegisterContract(&refused, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              ::testing::HasSubstr("contract.framework.id: council "
                                   "\"derbyshire\" is not served"));
  EXPECT_EQ((*server)->store().HeadPosition(), head);

  request.mutable_contract()->mutable_framework()->set_id("norwich");
  grpc::ClientContext accepted;
  EXPECT_TRUE(contracts->RegisterContract(&accepted, request, &response).ok());
}

}  // namespace
}  // namespace svledger::services

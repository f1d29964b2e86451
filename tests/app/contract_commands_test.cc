// The command engine and the contract commands, constructed directly over
// an event log in a temporary directory: no gRPC, no server.

#include "app/contract_commands.h"

#include "domain/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/app/app_fixture.h"
#include "tests/services/requests.h"

namespace svledger::app {
namespace {

using ::testing::HasSubstr;

class ContractCommandsTest : public testing::AppFixture {
 protected:
  // Runs `decide` on K1 through the engine as request `request_id`.
  absl::StatusOr<CommandOutcome> Execute(const std::string& request_id,
                                         ContractCommands::Decide decide,
                                         const std::string& contract = "K1") {
    return AwaitCommand([&](CommandDone done) {
      app_->engine().Execute(contract, request_id, Caller::System("tester"),
                             std::move(decide), std::move(done));
    });
  }

  // Runs a keyed decision on K1 through the engine.
  absl::StatusOr<CommandOutcome> ExecuteKeyed(ContractCommands::Decide decide) {
    return AwaitCommand([&](CommandDone done) {
      app_->engine().ExecuteKeyed("K1", Caller::System("svledger-policy"),
                                  std::move(decide), std::move(done));
    });
  }

  // Two status changes recorded under request ids of their own.
  static ContractCommands::Decide Keyed() {
    return
        [](const domain::ContractState&) -> absl::StatusOr<domain::Decision> {
          v1::CommitmentStatusChanged changed;
          changed.set_commitment_id("jobs");
          domain::NewEvent a = domain::ToNewEvent(changed);
          a.request_id = "policy.a";
          domain::NewEvent b = domain::ToNewEvent(changed);
          b.request_id = "policy.b";
          return domain::Decision{a, b};
        };
  }

  void RegisterK1() {
    ASSERT_TRUE(Run(&Commands::RegisterContract, testing::RegisterK1()).ok());
    ASSERT_TRUE(Run(&Commands::AddCommitments, testing::K1Jobs()).ok());
  }

  std::vector<eventstore::RecordedEvent> Stream() {
    auto slice = store_->ReadStream("contract-K1", {.limit = 1000});
    EXPECT_TRUE(slice.ok()) << slice.status();
    return slice.ok() ? slice->events
                      : std::vector<eventstore::RecordedEvent>{};
  }

  // A decision of `n` status changes (the payload is never applied here,
  // only recorded), each recorded with its own payload.
  static ContractCommands::Decide Changes(int n) {
    return
        [n](const domain::ContractState&) -> absl::StatusOr<domain::Decision> {
          domain::Decision decision;
          for (int i = 0; i < n; ++i) {
            v1::CommitmentStatusChanged changed;
            changed.set_commitment_id("jobs");
            changed.set_to(i % 2 == 0 ? v1::OFF_TRACK : v1::ON_TRACK);
            decision.push_back(domain::ToNewEvent(changed));
          }
          return decision;
        };
  }
};

TEST_F(ContractCommandsTest, ADecisionOfManyEventsIsOneAtomicAppend) {
  RegisterK1();
  const uint64_t head = store_->HeadPosition();
  const uint64_t commits = store_->Stats().commits;
  auto outcome = Execute("three", Changes(3));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->appended, 3);
  EXPECT_FALSE(outcome->replayed);
  EXPECT_EQ(outcome->position, head + 3) << "the position of the last event";
  EXPECT_EQ(store_->Stats().commits, commits + 1) << "one commit, one fsync";
  std::vector<eventstore::RecordedEvent> events = Stream();
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 3; ++i) {
    const eventstore::RecordedEvent& e = events[2 + i];
    EXPECT_EQ(e.id, domain::CommandEventId("K1", "three", i));
    EXPECT_EQ(e.metadata.request_id, "three");
    EXPECT_EQ(e.metadata.actor, "tester");
    EXPECT_EQ(e.position, head + 1 + i);
  }
}

TEST_F(ContractCommandsTest, ARetriedRequestIsAnsweredWithItsOriginalOutcome) {
  RegisterK1();
  auto first = Execute("twice", Changes(2));
  ASSERT_TRUE(first.ok()) << first.status();
  const uint64_t head = store_->HeadPosition();
  // Decided differently now, but the request ran: nothing is decided again.
  auto again = Execute("twice", Changes(5));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->appended, 0);
  EXPECT_EQ(again->position, first->position);
  EXPECT_EQ(again->stream_version, first->stream_version);
  EXPECT_EQ(store_->HeadPosition(), head);
}

TEST_F(ContractCommandsTest, NothingToDoWritesNothing) {
  RegisterK1();
  const uint64_t head = store_->HeadPosition();
  auto outcome = Execute("none", Changes(0));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->appended, 0);
  EXPECT_EQ(outcome->position, 0u);
  EXPECT_EQ(store_->HeadPosition(), head);
}

TEST_F(ContractCommandsTest, EventsWithTheirOwnRequestIdsGetTheirOwnIds) {
  RegisterK1();
  auto outcome = ExecuteKeyed(Keyed());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->appended, 2);
  std::vector<eventstore::RecordedEvent> events = Stream();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].id, domain::CommandEventId("K1", "policy.a", 0));
  EXPECT_EQ(events[2].metadata.request_id, "policy.a");
  EXPECT_EQ(events[3].id, domain::CommandEventId("K1", "policy.b", 0));
  EXPECT_EQ(events[3].metadata.request_id, "policy.b");
  // A front door cannot take the policy's ids.
  auto front = Execute("policy.a", Changes(1));
  EXPECT_EQ(front.status().code(), absl::StatusCode::kInvalidArgument);
}

// An event of a keyed decision that the stream holds already, which the
// state does not show (here: written with content the domain skips), is
// left out; the others are appended.
TEST_F(ContractCommandsTest, AKeyedEventTheStreamHoldsIsLeftOut) {
  RegisterK1();
  eventstore::ProposedEvent earlier;
  earlier.id = domain::CommandEventId("K1", "policy.a", 0);
  earlier.type = "SomethingTheDomainSkips";
  ASSERT_TRUE(
      store_
          ->Append("contract-K1", eventstore::ExpectedVersion::Any(), {earlier})
          .ok());
  auto outcome = ExecuteKeyed(Keyed());
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->appended, 1);
  std::vector<eventstore::RecordedEvent> events = Stream();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].metadata.request_id, "policy.b");
  EXPECT_EQ(app_->engine().skipped_events(), 1u);
}

TEST_F(ContractCommandsTest, RefusalsWriteNothingAndNameTheField) {
  const uint64_t head = store_->HeadPosition();
  auto outcome = Execute("", Changes(1));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(outcome.status().message()), HasSubstr("request_id"));
  outcome = Execute("r", Changes(1), "bad id");
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(outcome.status().message()),
              HasSubstr("contract_id"));
  EXPECT_EQ(store_->HeadPosition(), head);
  // A decision that needs a registered contract says which one.
  auto report = Run(&Commands::ReportDelivery,
                    testing::ReportRequest("K9", "q1", "jobs", 1,
                                           domain::MakeDate(2025, 1, 1),
                                           domain::MakeDate(2025, 3, 31)));
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(report.status().message(),
            "contract_id: no contract 'K9' is registered");
  // The domain's field is named within the request.
  RegisterK1();
  const uint64_t registered = store_->HeadPosition();
  v1::ReportDeliveryRequest negative = testing::ReportRequest(
      "K1", "q1", "jobs", -1, domain::MakeDate(2025, 1, 1),
      domain::MakeDate(2025, 3, 31));
  report = Run(&Commands::ReportDelivery, negative);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(report.status().message()),
              ::testing::StartsWith("delivery.quantity"));
  EXPECT_EQ(store_->HeadPosition(), registered);
}

// Another writer of the stream (here, straight into the log) is seen before
// the engine decides: its cached state would have missed it.
TEST_F(ContractCommandsTest, AnotherWritersEventsAreReadBeforeDeciding) {
  RegisterK1();
  v1::CommitmentWithdrawn withdrawn;
  withdrawn.set_commitment_id("jobs");
  withdrawn.set_reason("by another writer");
  eventstore::ProposedEvent event;
  event.id = Uuid::FromName("other-writer");
  event.type = domain::kCommitmentWithdrawn;
  event.payload = withdrawn.SerializeAsString();
  ASSERT_TRUE(
      store_->Append("contract-K1", eventstore::ExpectedVersion::Any(), {event})
          .ok());
  bool seen_withdrawn = false;
  auto outcome = Execute("after",
                         [&](const domain::ContractState& state)
                             -> absl::StatusOr<domain::Decision> {
                           seen_withdrawn =
                               state.commitments.at("jobs").withdrawn;
                           return domain::Decision{};
                         });
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_TRUE(seen_withdrawn);
  EXPECT_EQ(app_->engine().skipped_events(), 0u);
}

TEST_F(ContractCommandsTest, ADecisionLargerThanOneAppendIsRefused) {
  RegisterK1();
  const uint64_t head = store_->HeadPosition();
  const int too_many =
      static_cast<int>(app_->engine().max_events_per_command()) + 1;
  auto outcome = Execute("huge", Changes(too_many));
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kInternal);
  EXPECT_EQ(store_->HeadPosition(), head);
}

}  // namespace
}  // namespace svledger::app

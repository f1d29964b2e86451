#include "domain/ids.h"

#include "gtest/gtest.h"

namespace svledger::domain {
namespace {

TEST(IdsTest, CaseIdsRoundTripAndBadOnesNameTheField) {
  EXPECT_EQ(CaseId("jobs", 3), "jobs#3");
  absl::StatusOr<CaseRef> ref = ParseCaseId("c2.local#12");
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->commitment_id, "c2.local");
  EXPECT_EQ(ref->n, 12);
  EXPECT_EQ(ParseCaseId("").status().message(), "case_id: required");
  for (const char* bad :
       {"jobs", "jobs#", "jobs#0", "jobs#-1", "jobs#x", "#1", "a b#1"}) {
    absl::StatusOr<CaseRef> parsed = ParseCaseId(bad, "action.case_id");
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(parsed.status().message(),
              "action.case_id: expected \"<commitment id>#<n>\"")
        << bad;
  }
}

TEST(IdsTest, ContractStreamsAndReservedStreams) {
  EXPECT_EQ(ContractStream("DCC-1"), "contract-DCC-1");
  EXPECT_EQ(ContractIdOfStream("contract-DCC-1"), "DCC-1");
  EXPECT_EQ(ContractIdOfStream("contracts-1"), std::nullopt);
  for (const char* own :
       {"contract-DCC-1", "contract-", "frameworks", "measures"}) {
    EXPECT_TRUE(IsReservedStream(own)) << own;
  }
  for (const char* other : {"contracts", "contract", "frameworks-x",
                            "measures2", "notes-DCC-1", ""}) {
    EXPECT_FALSE(IsReservedStream(other)) << other;
  }
}

// The ids are a persisted format: the first event of a command and a
// policy proposal keep the ids they had before commands could write more
// than one event.
TEST(IdsTest, EventIdsAreDeterministicAndStable) {
  EXPECT_EQ(CommandEventId("K1", "r1", 0),
            Uuid::FromName("contract/K1/request/r1"));
  EXPECT_EQ(CommandEventId("K1", "r1", 2),
            Uuid::FromName("contract/K1/request/r1/2"));
  EXPECT_NE(CommandEventId("K1", "r1", 1), CommandEventId("K1", "r1", 2));
  EXPECT_EQ(PolicyRequestId("K1", "open/jobs#1"),
            "policy." + Uuid::FromName("policy/K1/open/jobs#1").ToString());
  EXPECT_EQ(MeasureLibraryEventId(2), Uuid::FromName("measures/v2"));
  EXPECT_EQ(FrameworkEventId("norwich", 1),
            Uuid::FromName("framework/norwich/v1"));
}

TEST(IdsTest, RequestIdsAreIds) {
  EXPECT_TRUE(CheckRequestId("demo-NOR-2024-101-3").ok());
  EXPECT_EQ(CheckRequestId("").message(), "request_id: required");
  EXPECT_EQ(CheckRequestId(std::string(101, 'a')).message(),
            "request_id: longer than 100 bytes");
  EXPECT_EQ(CheckRequestId("a/b").message(),
            "request_id: only [A-Za-z0-9._:-] allowed");
  // The policy's own: a front door's request may not take its events' ids.
  EXPECT_EQ(CheckRequestId(PolicyRequestId("K1", "open/jobs#1")).message(),
            "request_id: ids starting \"policy.\" are the enforcement "
            "policy's");
  EXPECT_TRUE(CheckRequestId("policy-review-1").ok());
}

}  // namespace
}  // namespace svledger::domain

#include "domain/publication.h"

#include "gtest/gtest.h"
#include "svledger/v1/framework.pb.h"

namespace svledger::domain {
namespace {

v1::MeasureLibrary Library(uint32_t version, const std::string& measure) {
  v1::MeasureLibrary library;
  library.set_version(version);
  library.add_measures()->set_id(measure);
  return library;
}

TEST(PublicationTest, VersionsCountFromOneWithoutGapsAndAreNeverRewritten) {
  std::map<uint32_t, PublishedVersion> published;
  const v1::MeasureLibrary v1 = Library(1, "jobs");
  // The first version is 1.
  auto decided = DecidePublication(published, v1, 1, "measure library");
  ASSERT_TRUE(decided.ok()) << decided.status();
  EXPECT_EQ(*decided, std::nullopt) << "a new version: append it";
  EXPECT_EQ(
      DecidePublication(published, Library(2, "jobs"), 2, "measure library")
          .status()
          .message(),
      "version: the next measure library version is 1, not 2");

  published[1] = {&v1, 7};
  // The same content again: the original position, nothing to append.
  decided =
      DecidePublication(published, Library(1, "jobs"), 1, "measure library");
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(*decided, 7u);
  // Other content under version 1: never rewritten.
  decided = DecidePublication(published, Library(1, "hours"), 1,
                              "framework 'norwich'");
  EXPECT_EQ(decided.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(decided.status().message(),
            "version: framework 'norwich' version 1 is published and is "
            "never rewritten; publish version 2");
  // Skipping ahead.
  decided =
      DecidePublication(published, Library(3, "hours"), 3, "measure library");
  EXPECT_EQ(decided.status().code(), absl::StatusCode::kFailedPrecondition);
  // The next one.
  decided =
      DecidePublication(published, Library(2, "hours"), 2, "measure library");
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(*decided, std::nullopt);
}

}  // namespace
}  // namespace svledger::domain

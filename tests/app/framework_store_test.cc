#include "app/framework_store.h"

#include <fstream>
#include <sstream>

#include "domain/framework_catalog.h"
#include "domain/ids.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait.h"

namespace svledger::app {
namespace {

using svledger::testing::TempDir;
using svledger::testing::WaitUntil;

std::string Read(const std::string& name) {
  std::ifstream in(std::string(SVLEDGER_FRAMEWORKS_DIR) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class FrameworkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    frameworks_.reset();
    log_.reset();
    log_ = *eventstore::EventStore::Open({.path = dir_.Sub("log")});
    auto loaded = FrameworkStore::Open(log_.get());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    frameworks_ = *std::move(loaded);
  }
  v1::MeasureLibrary Library() {
    return *domain::ParseMeasureLibrary(Read("measures.textproto"));
  }
  v1::Framework Council(const std::string& id) {
    return *domain::ParseFramework(Read(id + ".textproto"), Library(), id);
  }

  TempDir dir_;
  std::unique_ptr<eventstore::EventStore> log_;
  std::unique_ptr<FrameworkStore> frameworks_;
};

TEST_F(FrameworkStoreTest, PublishesTheFourCouncilsAndReloadsThem) {
  ASSERT_TRUE(frameworks_->PublishLibrary(Library(), "admin").ok());
  for (const char* id : {"derbyshire", "norwich", "lancashire", "rutland"}) {
    auto published = frameworks_->PublishFramework(Council(id), "admin");
    ASSERT_TRUE(published.ok()) << id << ": " << published.status();
    EXPECT_FALSE(published->already);
  }
  Open();  // everything comes back from the log
  EXPECT_EQ(frameworks_->List().size(), 4u);
  ASSERT_NE(frameworks_->Library(), nullptr);
  EXPECT_EQ(frameworks_->Library()->measures_size(), Library().measures_size());
  auto derbyshire = frameworks_->Get("derbyshire", 1);
  ASSERT_NE(derbyshire, nullptr);
  EXPECT_EQ(derbyshire->themes_size(), 5);
  EXPECT_EQ(frameworks_->Get("derbyshire", 2), nullptr);
  EXPECT_EQ(frameworks_->skipped(), 0u);
}

// A framework version pins the library latest when it is published, for
// ever; one published before pinning existed (no measure_library_version
// in its event) pins the library latest at its log position.
TEST_F(FrameworkStoreTest, AFrameworkVersionPinsItsLibrary) {
  ASSERT_TRUE(frameworks_->PublishLibrary(Library(), "admin").ok());
  ASSERT_TRUE(frameworks_->PublishFramework(Council("norwich"), "admin").ok());
  // A Rutland version as written before pinning: straight into the log.
  eventstore::ProposedEvent legacy;
  legacy.id = domain::FrameworkEventId("rutland", 1);
  legacy.type = FrameworkStore::kFrameworkPublished;
  legacy.payload = Council("rutland").SerializeAsString();
  ASSERT_TRUE(log_->Append(domain::kFrameworksStream,
                           eventstore::ExpectedVersion::Exact(0), {legacy})
                  .ok());
  v1::MeasureLibrary v2 = Library();
  v2.set_version(2);
  v2.mutable_measures(0)->set_wording("Reworded in version 2");
  ASSERT_TRUE(frameworks_->PublishLibrary(v2, "admin").ok());
  Open();
  for (const char* id : {"norwich", "rutland"}) {
    v1::FrameworkRef ref;
    ref.set_id(id);
    ref.set_version(1);
    EXPECT_EQ(frameworks_->Get(id, 1)->measure_library_version(), 1u) << id;
    EXPECT_EQ(frameworks_->LibraryFor(ref)->version(), 1u) << id;
  }
  // A new version, unpinned when sent, pins the latest; one naming a
  // library that is not published is refused.
  v1::Framework next = Council("norwich");
  next.set_version(2);
  ASSERT_TRUE(frameworks_->PublishFramework(next, "admin").ok());
  EXPECT_EQ(frameworks_->Get("norwich", 2)->measure_library_version(), 2u);
  next.set_version(3);
  next.set_measure_library_version(9);
  absl::Status refused = frameworks_->PublishFramework(next, "admin").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "framework: measure_library_version: library version 9 is not "
            "published");
  // Publishing the same version again, unpinned, is the same publication.
  next = Council("norwich");
  auto again = frameworks_->PublishFramework(next, "admin");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->already);
}

// A deployment sharded by council: an instance serving Norwich refuses
// another council's framework, naming the field and what it serves.
TEST_F(FrameworkStoreTest, AnInstanceRefusesCouncilsItDoesNotServe) {
  auto loaded = FrameworkStore::Open(log_.get(), {"norwich", "rutland"});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  FrameworkStore& shard = **loaded;
  ASSERT_TRUE(shard.PublishLibrary(Library(), "admin").ok());
  EXPECT_TRUE(shard.PublishFramework(Council("norwich"), "admin").ok());
  const uint64_t head = log_->HeadPosition();
  auto refused = shard.PublishFramework(Council("derbyshire"), "admin");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "framework.id: council \"derbyshire\" is not served by this "
            "instance, which serves norwich, rutland (--councils)");
  EXPECT_EQ(log_->HeadPosition(), head) << "a refusal writes nothing";
  EXPECT_TRUE(shard.Serves("rutland"));
  EXPECT_FALSE(shard.Serves("derbyshire"));
  EXPECT_TRUE(frameworks_->Serves("derbyshire")) << "no list: every council";
}

TEST_F(FrameworkStoreTest, VersionsAreNeverRewritten) {
  ASSERT_TRUE(frameworks_->PublishLibrary(Library(), "admin").ok());
  auto first = frameworks_->PublishFramework(Council("norwich"), "admin");
  ASSERT_TRUE(first.ok());
  const uint64_t head = log_->HeadPosition();

  // The same version again, by anyone: the original answer, nothing written.
  auto again = frameworks_->PublishFramework(Council("norwich"), "someone");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->already);
  EXPECT_EQ(again->position, first->position);
  EXPECT_EQ(log_->HeadPosition(), head);

  // Other content under a published version: refused.
  v1::Framework changed = Council("norwich");
  changed.set_title("Rewritten");
  EXPECT_EQ(frameworks_->PublishFramework(changed, "admin").status().code(),
            absl::StatusCode::kAlreadyExists);
  // Skipping a version: refused.
  changed.set_version(3);
  EXPECT_EQ(frameworks_->PublishFramework(changed, "admin").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // The next version: both kept, the latest is the new one.
  changed.set_version(2);
  ASSERT_TRUE(frameworks_->PublishFramework(changed, "admin").ok());
  EXPECT_EQ(frameworks_->Get("norwich", 1)->title(),
            Council("norwich").title());
  EXPECT_EQ(frameworks_->Latest("norwich")->title(), "Rewritten");
  EXPECT_EQ(frameworks_->List().size(), 1u);
}

TEST_F(FrameworkStoreTest, RefusesWhatDoesNotFit) {
  // No library yet.
  EXPECT_EQ(frameworks_->PublishFramework(Council("rutland"), "admin")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  v1::MeasureLibrary library = Library();
  library.set_version(2);
  EXPECT_EQ(frameworks_->PublishLibrary(library, "admin").status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(frameworks_->PublishLibrary(Library(), "admin").ok());
  v1::Framework bad = Council("rutland");
  bad.mutable_themes(0)
      ->mutable_outcomes(0)
      ->mutable_measures(0)
      ->set_measure_id("nope");
  auto refused = frameworks_->PublishFramework(bad, "admin");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("measure_id"), std::string::npos);
  EXPECT_EQ(frameworks_->List().size(), 0u);
}

// Another writer of the same log (a second catalogue over it, as a
// restored or shared log has) publishes: this one sees it without a
// restart. A junk event in the stream is counted, not fatal.
TEST_F(FrameworkStoreTest, FollowsTheLogLive) {
  auto other = FrameworkStore::Open(log_.get());
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE((*other)->PublishLibrary(Library(), "admin").ok());
  ASSERT_TRUE((*other)->PublishFramework(Council("rutland"), "admin").ok());
  EXPECT_TRUE(
      WaitUntil([&] { return frameworks_->Get("rutland", 1) != nullptr; },
                absl::Seconds(10)));
  ASSERT_NE(frameworks_->Library(), nullptr);
  EXPECT_EQ(frameworks_->Library()->version(), 1u);

  eventstore::ProposedEvent junk;
  junk.id = Uuid::FromName("junk");
  junk.type = "FrameworkPublished";
  junk.payload = "not a framework";
  ASSERT_TRUE(
      log_->Append("frameworks", eventstore::ExpectedVersion::Any(), {junk})
          .ok());
  EXPECT_TRUE(WaitUntil([&] { return frameworks_->skipped() == 1; },
                        absl::Seconds(10)));
  // The next version still follows the junk.
  v1::Framework next = Council("rutland");
  next.set_version(2);
  ASSERT_TRUE((*other)->PublishFramework(next, "admin").ok());
  EXPECT_TRUE(
      WaitUntil([&] { return frameworks_->Latest("rutland")->version() == 2; },
                absl::Seconds(10)));
  EXPECT_EQ(frameworks_->follow_failures(), 0u);
}

}  // namespace
}  // namespace svledger::app

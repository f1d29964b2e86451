// Online backups (backup/backup_set.h): made while appends go on, listed,
// verified file by file and chain by chain, restored into a new directory
// whose log equals the source's event by event up to the backup, pruned;
// and a damaged backup is named by verify and refused by restore.

#include "backup/backup_set.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/digest.h"
#include "common/random.h"
#include "eventstore/event_store.h"
#include "gtest/gtest.h"
#include "projections/projection_db.h"
#include "tests/testing/temp_dir.h"

namespace svledger::backup {
namespace {

namespace fs = std::filesystem;
using eventstore::EventStore;
using eventstore::ExpectedVersion;
using eventstore::ProposedEvent;
using svledger::testing::TempDir;

std::vector<ProposedEvent> Events(SeededRandom& random, int n) {
  std::vector<ProposedEvent> events(n);
  for (ProposedEvent& e : events) {
    e.id = Uuid::Random(random);
    e.type = "Tested";
    e.payload = std::string(200, 'p');
    e.metadata.actor = "tester";
  }
  return events;
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The server's state: a log, a projection database, and a plain file.
struct Source {
  explicit Source(const TempDir& dir)
      : data_dir(dir.Sub("data")),
        store(*EventStore::Open({.path = data_dir + "/log"})),
        projections(
            *projections::ProjectionDb::Open(data_dir + "/projections")) {
    WriteFile(data_dir + "/dev-auth/key.pem", "secret key");
    auto* table = *projections->Active("contracts");
    EXPECT_TRUE(table->Write({{"m/checkpoint", "x"}}).ok());
  }
  std::string data_dir;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<projections::ProjectionDb> projections;
};

// Appends from another thread until stopped.
class Load {
 public:
  explicit Load(EventStore* store) {
    thread_ = std::thread([this, store] {
      SeededRandom random(7);
      for (int i = 0; !stop_.load(); ++i) {
        EXPECT_TRUE(store
                        ->Append("s-" + std::to_string(i % 11),
                                 ExpectedVersion::Any(), Events(random, 10))
                        .ok());
      }
    });
  }
  ~Load() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(BackupSetTest, BacksUpUnderLoadAndRestoresTheSameLogEventByEvent) {
  TempDir dir;
  Source source(dir);
  SeededRandom random(1);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        source.store
            ->Append("early", ExpectedVersion::Any(), Events(random, 10))
            .ok());
  }
  auto backups = *BackupSet::Open(dir.Sub("backups"));
  CreateReport first, second;
  {
    Load load(source.store.get());
    absl::StatusOr<CreateReport> made = backups->Create(
        *source.store, *source.projections, source.data_dir, absl::Now());
    ASSERT_TRUE(made.ok()) << made.status();
    first = *made;
    made = backups->Create(*source.store, *source.projections, source.data_dir,
                           absl::Now());
    ASSERT_TRUE(made.ok()) << made.status();
    second = *made;
  }
  EXPECT_EQ(first.backup.id, 1u);
  EXPECT_EQ(second.backup.id, 2u);
  EXPECT_GE(first.backup.position, 2000u);
  EXPECT_GE(second.backup.position, first.backup.position);
  EXPECT_EQ(first.backup.chain_hash.size(), 32u);
  // The second shares what the first copied.
  EXPECT_LT(second.added_bytes, second.backup.size_bytes);

  std::vector<BackupInfo> listed = backups->List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].position, first.backup.position);

  absl::StatusOr<VerifyReport> verified = backups->Verify(std::nullopt);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_TRUE(verified->ok()) << verified->problem;
  EXPECT_EQ(verified->id, 2u);
  EXPECT_GE(verified->chain.through, second.backup.position);
  EXPECT_GT(verified->files_checked, 3u);

  // Restore the first into a new directory.
  absl::StatusOr<RestoreReport> restored =
      BackupSet::Restore(dir.Sub("backups"), dir.Sub("restored"), 1);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->backup_position, first.backup.position);
  EXPECT_GE(restored->position, first.backup.position);
  EXPECT_EQ(restored->files, 1u);
  EXPECT_EQ(ReadFile(dir.Sub("restored/dev-auth/key.pem")), "secret key");

  auto copy = *EventStore::Open({.path = dir.Sub("restored/log")});
  EXPECT_EQ(copy->DurableChainHead().position, restored->position);
  EXPECT_EQ(copy->DurableChainHead().hash, restored->chain_hash);
  for (uint64_t at = 1; at <= restored->position;) {
    auto want = *source.store->ReadAll(at, {.limit = 1000});
    auto got = *copy->ReadAll(at, {.limit = 1000});
    ASSERT_FALSE(got.events.empty());
    for (size_t i = 0; i < got.events.size() && at <= restored->position;
         ++i, ++at) {
      const auto& g = got.events[i];
      const auto& w = want.events[i];
      ASSERT_EQ(g.position, w.position);
      ASSERT_EQ(g.id, w.id) << at;
      ASSERT_EQ(g.stream_id, w.stream_id) << at;
      ASSERT_EQ(g.stream_version, w.stream_version) << at;
      ASSERT_EQ(g.payload, w.payload) << at;
      ASSERT_EQ(g.recorded_time, w.recorded_time) << at;
      ASSERT_EQ(g.chain_hash, w.chain_hash) << at;
    }
  }
  // The restored projections open, with what was in them.
  auto restored_projections =
      *projections::ProjectionDb::Open(dir.Sub("restored/projections"));
  auto* table = *restored_projections->Active("contracts");
  EXPECT_EQ(**table->Get("m/checkpoint"), "x");

  EXPECT_EQ(BackupSet::Restore(dir.Sub("backups"), dir.Sub("restored"), 1)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(BackupSet::Restore(dir.Sub("backups"), dir.Sub("other"), 9)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(BackupSet::Restore(dir.Sub("nowhere"), dir.Sub("other"), {})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(BackupSetTest, PruneKeepsTheNewestAndWhatTheyShare) {
  TempDir dir;
  Source source(dir);
  SeededRandom random(2);
  auto backups = *BackupSet::Open(dir.Sub("backups"));
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(
          source.store->Append("s", ExpectedVersion::Any(), Events(random, 10))
              .ok());
    }
    WriteFile(source.data_dir + "/dev-auth/key.pem",
              "key " + std::to_string(round));
    ASSERT_TRUE(backups
                    ->Create(*source.store, *source.projections,
                             source.data_dir, absl::Now())
                    .ok());
  }
  EXPECT_EQ(backups->Prune(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<uint32_t>> deleted = backups->Prune(1);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, (std::vector<uint32_t>{1, 2}));
  std::vector<BackupInfo> left = backups->List();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, 3u);
  // Only the newest backup's key and file list are left.
  size_t kept = 0;
  for (const auto& f : fs::directory_iterator(dir.Sub("backups/files"))) {
    (void)f;
    ++kept;
  }
  EXPECT_EQ(kept, 2u);
  EXPECT_TRUE(backups->Verify(3)->ok());
  EXPECT_EQ(backups->Verify(1).status().code(), absl::StatusCode::kNotFound);
  auto restored = BackupSet::Restore(dir.Sub("backups"), dir.Sub("r"), {});
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(ReadFile(dir.Sub("r/dev-auth/key.pem")), "key 2");
}

// Flips one byte in the middle of the largest file under `dir`.
std::string Damage(const std::string& dir) {
  std::string largest;
  uintmax_t size = 0;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (f.is_regular_file() && f.file_size() > size) {
      size = f.file_size();
      largest = f.path().string();
    }
  }
  std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(static_cast<std::streamoff>(size / 2));
  char c = 0;
  file.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  file.seekp(static_cast<std::streamoff>(size / 2));
  file.write(&c, 1);
  return largest;
}

TEST(BackupSetTest, ADamagedBackupIsNamedByVerifyAndRefusedByRestore) {
  TempDir dir;
  Source source(dir);
  SeededRandom random(3);
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        source.store->Append("s", ExpectedVersion::Any(), Events(random, 10))
            .ok());
  }
  // Flushed, so that the events are in a table file, not only the WAL.
  source.store.reset();
  source.store = *EventStore::Open({.path = source.data_dir + "/log"});
  auto backups = *BackupSet::Open(dir.Sub("backups"));
  ASSERT_TRUE(backups
                  ->Create(*source.store, *source.projections, source.data_dir,
                           absl::Now())
                  .ok());
  ASSERT_TRUE(backups->Verify({})->ok());
  const std::string damaged = Damage(dir.Sub("backups/log"));
  absl::StatusOr<VerifyReport> verified = backups->Verify({});
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_FALSE(verified->ok());
  EXPECT_NE(verified->problem.find("event log backup 1"), std::string::npos)
      << verified->problem;
  absl::StatusOr<RestoreReport> restored =
      BackupSet::Restore(dir.Sub("backups"), dir.Sub("r"), {});
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss)
      << restored.status();
}

TEST(BackupSetTest, ADamagedPlainFileIsNamedByItsPath) {
  TempDir dir;
  Source source(dir);
  auto backups = *BackupSet::Open(dir.Sub("backups"));
  ASSERT_TRUE(backups
                  ->Create(*source.store, *source.projections, source.data_dir,
                           absl::Now())
                  .ok());
  const std::string kept = dir.Sub("backups/files/" + Sha256Hex("secret key"));
  ASSERT_EQ(ReadFile(kept), "secret key");
  WriteFile(kept, "secret kez");
  absl::StatusOr<VerifyReport> verified = backups->Verify({});
  ASSERT_TRUE(verified.ok());
  EXPECT_NE(verified->problem.find("dev-auth/key.pem"), std::string::npos)
      << verified->problem;
  EXPECT_EQ(
      BackupSet::Restore(dir.Sub("backups"), dir.Sub("r"), {}).status().code(),
      absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace svledger::backup

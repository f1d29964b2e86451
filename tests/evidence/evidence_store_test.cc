// The evidence store: files kept by content, their type read from the
// bytes, limits, idempotence, damage found on reading, concurrent writers.
#include "evidence/evidence_store.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/digest.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace svledger::evidence {
namespace {

using ::testing::HasSubstr;

const std::string kPdf =
    "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n"
    "trailer << /Root 1 0 R >>\n%%EOF\n";
// A 1x1 grey PNG.
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00"
    "\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b\x55\x00\x00\x00"
    "\x0a\x49\x44\x41\x54\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01\x48\xaf\xa4"
    "\x71\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    67);
const std::string kCsv = "name,hours\nAda,12\nBob,7\n";

class EvidenceStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<EvidenceStore> OpenStore(uint64_t max_bytes = 25ull << 20) {
    EvidenceStoreOptions options;
    options.dir = dir_.path() + "/evidence";
    options.max_bytes = max_bytes;
    absl::StatusOr<std::unique_ptr<EvidenceStore>> store =
        EvidenceStore::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  int FilesUnder(const std::string& dir) {
    int n = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file()) ++n;
    }
    return n;
  }

  testing::TempDir dir_;
};

TEST_F(EvidenceStoreTest, StoresAcceptedTypesByContent) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  for (const auto& [bytes, type] :
       std::vector<std::pair<std::string, std::string>>{
           {kPdf, "application/pdf"},
           {kPng, "image/png"},
           {kCsv, "text/csv"},
           {"Quarterly volunteering: 120 hours.\n", "text/plain"}}) {
    absl::StatusOr<StoredEvidence> stored = store->Put(bytes);
    ASSERT_TRUE(stored.ok()) << type << ": " << stored.status();
    EXPECT_EQ(stored->media_type, type);
    EXPECT_EQ(stored->size, bytes.size());
    EXPECT_EQ(stored->sha256, Sha256Hex(bytes));
    EXPECT_TRUE(std::filesystem::exists(store->PathOf(stored->sha256)));
    absl::StatusOr<std::string> back = store->Get(stored->sha256);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, bytes);
  }
}

TEST_F(EvidenceStoreTest,
       RefusesOtherTypesEmptyAndOversizedFilesWritingNothing) {
  auto store = OpenStore(/*max_bytes=*/1000);
  ASSERT_NE(store, nullptr);
  const std::string html =
      "<!DOCTYPE html><html><script>alert(1)</script></html>\n";
  const std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script>"
      "</svg>\n";
  std::string elf(64, '\0');
  {
    std::ifstream in("/proc/self/exe", std::ios::binary);
    in.read(elf.data(), elf.size());
  }
  for (const std::string& bytes : {html, svg, elf}) {
    absl::StatusOr<StoredEvidence> stored = store->Put(bytes);
    EXPECT_EQ(stored.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(stored.status().message(),
                HasSubstr("content: a file of type"));
    EXPECT_THAT(stored.status().message(), HasSubstr("is not accepted"));
  }
  EXPECT_THAT(store->Put("").status().message(),
              HasSubstr("content: the file is empty"));
  absl::StatusOr<StoredEvidence> big = store->Put(std::string(1001, 'a'));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(big.status().message(), HasSubstr("over the limit"));
  EXPECT_EQ(FilesUnder(store->options().dir), 0);
}

TEST_F(EvidenceStoreTest, TheSameBytesAgainAreTheSameFileWrittenOnce) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  absl::StatusOr<StoredEvidence> first = store->Put(kPdf);
  ASSERT_TRUE(first.ok());
  const auto written =
      std::filesystem::last_write_time(store->PathOf(first->sha256));
  absl::StatusOr<StoredEvidence> again = store->Put(kPdf);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sha256, first->sha256);
  EXPECT_EQ(std::filesystem::last_write_time(store->PathOf(first->sha256)),
            written);
  EXPECT_EQ(FilesUnder(store->options().dir), 1);
}

TEST_F(EvidenceStoreTest, ReadingNamesBadHashesMissingFilesAndDamage) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Get("../../etc/passwd").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get(std::string(64, 'A')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get(Sha256Hex("never stored")).status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<StoredEvidence> stored = store->Put(kCsv);
  ASSERT_TRUE(stored.ok());
  {
    std::ofstream damage(store->PathOf(stored->sha256), std::ios::binary);
    damage << "name,hours\nAda,99\n";
  }
  absl::StatusOr<std::string> read = store->Get(stored->sha256);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(read.status().message(), HasSubstr("restore it from a backup"));
}

TEST_F(EvidenceStoreTest,
       ConcurrentUploadsOfOneFileLeaveOneFileAndNoTemporaries) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { results[i] = store->Put(kPng).status(); });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : results) EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(FilesUnder(store->options().dir), 1);
}

}  // namespace
}  // namespace svledger::evidence

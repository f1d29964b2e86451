// The clamd scanner against a stand-in clamd speaking INSTREAM on a Unix
// socket (clamd(8)), and the store refusing what it finds.
#include "evidence/clamd_scanner.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace svledger::evidence {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

bool ReadExactly(int fd, char* out, size_t n) {
  while (n > 0) {
    const ssize_t got = read(fd, out, n);
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

// Answers each connection's zINSTREAM as clamd does: FOUND when the stream
// holds the EICAR test string, OK otherwise; or, with `silent`, nothing.
class FakeClamd {
 public:
  FakeClamd(const std::string& path, bool silent = false) : silent_(silent) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, path.c_str(), sizeof(sun.sun_path) - 1);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeClamd() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int scans() const { return scans_.load(); }

 private:
  void Serve() {
    for (;;) {
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char command[10];
      std::string stream;
      bool ok = ReadExactly(c, command, sizeof(command)) &&
                std::memcmp(command, "zINSTREAM", 10) == 0;
      while (ok) {
        uint32_t length;
        ok = ReadExactly(c, reinterpret_cast<char*>(&length), 4);
        length = ntohl(length);
        if (!ok || length == 0) break;
        std::string chunk(length, '\0');
        ok = ReadExactly(c, chunk.data(), length);
        stream += chunk;
      }
      ++scans_;
      if (!silent_) {
        const std::string reply =
            stream.find("EICAR-STANDARD-ANTIVIRUS-TEST-FILE") !=
                    std::string::npos
                ? std::string("stream: Eicar-Test-Signature FOUND") + '\0'
                : std::string("stream: OK") + '\0';
        (void)!write(c, reply.data(), reply.size());
      }
      close(c);
    }
  }

  const bool silent_;
  int fd_ = -1;
  std::atomic<int> scans_{0};
  std::thread thread_;
};

const std::string kText(200000, 'x');  // several chunks
const std::string kEicar =
    "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

TEST(ClamdScannerTest, CleanFilesPassAndFoundOnesAreRefusedNamingTheFind) {
  testing::TempDir dir;
  const std::string socket = dir.path() + "/clamd.ctl";
  FakeClamd clamd(socket);
  auto scanner = ClamdScanner::Create({.address = "unix:" + socket});
  ASSERT_TRUE(scanner.ok()) << scanner.status();
  EXPECT_TRUE((*scanner)->Scan(kText).ok());
  absl::Status found = (*scanner)->Scan(kEicar);
  EXPECT_TRUE(absl::IsInvalidArgument(found)) << found;
  EXPECT_THAT(std::string(found.message()), StartsWith("content:"));
  EXPECT_THAT(std::string(found.message()), HasSubstr("Eicar-Test-Signature"));

  // The store asks before writing, and writes nothing it refused.
  EvidenceStoreOptions options;
  options.dir = dir.path() + "/evidence";
  options.scanner = scanner->get();
  auto store = EvidenceStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->Put("name,hours\nAda,12\n").ok());
  const int before = clamd.scans();
  EXPECT_TRUE(absl::IsInvalidArgument((*store)->Put(kEicar).status()));
  EXPECT_EQ(clamd.scans(), before + 1);
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(options.dir)) {
    files += entry.is_regular_file();
  }
  EXPECT_EQ(files, 1u);
}

TEST(ClamdScannerTest, AScannerThatCannotBeAskedIsUnavailable) {
  testing::TempDir dir;
  auto absent =
      ClamdScanner::Create({.address = "unix:" + dir.path() + "/none"});
  ASSERT_TRUE(absent.ok());
  absl::Status s = (*absent)->Scan(kText);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("cannot be reached"));

  const std::string socket = dir.path() + "/mute.ctl";
  FakeClamd mute(socket, /*silent=*/true);
  auto scanner = ClamdScanner::Create(
      {.address = "unix:" + socket, .timeout = absl::Seconds(5)});
  ASSERT_TRUE(scanner.ok());
  s = (*scanner)->Scan(kText);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;

  for (const char* bad : {"", "clamd", "host:", "host:99999", "unix:"}) {
    EXPECT_TRUE(absl::IsInvalidArgument(
        ClamdScanner::Create({.address = bad}).status()))
        << bad;
  }
}

}  // namespace
}  // namespace svledger::evidence

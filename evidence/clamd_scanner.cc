#include "evidence/clamd_scanner.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace svledger::evidence {
namespace {

constexpr size_t kChunkBytes = 64 << 10;

absl::Status Unreachable(const std::string& address, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("the virus scanner at ", address, " ", what,
                   "; nothing was stored, try again later"));
}

// A connected socket with send and receive timeouts, or -1 (errno set).
int Connect(const std::string& address, absl::Duration timeout) {
  int fd = -1;
  if (absl::string_view path = address; absl::ConsumePrefix(&path, "unix:")) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (path.size() >= sizeof(sun.sun_path)) return -1;
    std::memcpy(sun.sun_path, path.data(), path.size());
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    timeval tv = absl::ToTimeval(timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }
  const size_t colon = address.rfind(':');
  const std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  absl::Cleanup free_found = [found] { freeaddrinfo(found); };
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv = absl::ToTimeval(timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) return fd;
    close(fd);
    fd = -1;
  }
  return -1;
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClamdScanner>> ClamdScanner::Create(
    ClamdScannerOptions options) {
  absl::string_view rest = options.address;
  const bool unix_socket = absl::ConsumePrefix(&rest, "unix:");
  int port = 0;
  const size_t colon = rest.rfind(':');
  if (rest.empty() ||
      (!unix_socket && (colon == absl::string_view::npos || colon == 0 ||
                        !absl::SimpleAtoi(rest.substr(colon + 1), &port) ||
                        port <= 0 || port > 65535))) {
    return absl::InvalidArgumentError(
        absl::StrCat("clamd address: want unix:/path or host:port, got '",
                     options.address, "'"));
  }
  return std::unique_ptr<ClamdScanner>(new ClamdScanner(std::move(options)));
}

absl::Status ClamdScanner::Scan(absl::string_view content) {
  const std::string& address = options_.address;
  const int fd = Connect(address, options_.timeout);
  if (fd < 0) {
    return Unreachable(
        address, absl::StrCat("cannot be reached (", strerror(errno), ")"));
  }
  absl::Cleanup close_fd = [fd] { close(fd); };
  static constexpr char kCommand[] = "zINSTREAM";
  bool sent = SendAll(fd, kCommand, sizeof(kCommand));  // with its NUL
  for (size_t at = 0; sent && at < content.size(); at += kChunkBytes) {
    const size_t n = std::min(kChunkBytes, content.size() - at);
    const uint32_t length = htonl(static_cast<uint32_t>(n));
    sent = SendAll(fd, reinterpret_cast<const char*>(&length), 4) &&
           SendAll(fd, content.data() + at, n);
  }
  const uint32_t end = 0;
  // clamd may answer (a size limit) and close before taking it all: read
  // its answer whatever the send did.
  if (sent) sent = SendAll(fd, reinterpret_cast<const char*>(&end), 4);
  std::string reply;
  char buffer[256];
  while (reply.size() < 4096) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buffer, static_cast<size_t>(n));
    if (reply.find('\0') != std::string::npos) break;
  }
  if (const size_t nul = reply.find('\0'); nul != std::string::npos) {
    reply.resize(nul);
  }
  absl::string_view answer = absl::StripAsciiWhitespace(reply);
  if (answer == "stream: OK") return absl::OkStatus();
  if (absl::ConsumePrefix(&answer, "stream: ") &&
      absl::ConsumeSuffix(&answer, " FOUND")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "content: the virus scanner found ", answer, "; the file was refused"));
  }
  if (absl::StrContains(answer, "size limit exceeded")) {
    // clamd's StreamMaxLength is below the file: retrying will not help.
    return absl::InvalidArgumentError(
        "content: the file is larger than the virus scanner takes "
        "(clamd's StreamMaxLength); the file was refused");
  }
  if (reply.empty()) {
    return Unreachable(
        address, sent ? "did not answer in time" : "closed the connection");
  }
  return Unreachable(address, absl::StrCat("answered '", answer, "'"));
}

}  // namespace svledger::evidence

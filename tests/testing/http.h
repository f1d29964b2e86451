#ifndef SVLEDGER_TESTS_TESTING_HTTP_H_
#define SVLEDGER_TESTS_TESTING_HTTP_H_

// A minimal HTTP/1.0 GET on loopback, for scraping /metrics in tests, and
// reading a series from what it returns.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace svledger::testing {

// A TCP connection to 127.0.0.1:`port` (blocking); -1 if it fails. The
// caller closes it.
inline int ConnectLoopback(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// GETs `path` from 127.0.0.1:`port`; returns the body of a 200 response.
inline absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  const int fd = ConnectLoopback(port);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("connect to port ", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("write");
  }
  std::string response;
  char buffer[65536];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) response.append(buffer, n);
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 200", 0) != 0 &&
      response.rfind("HTTP/1.0 200", 0) != 0) {
    return absl::UnavailableError(
        absl::StrCat("not 200: ", response.substr(0, response.find('\r'))));
  }
  if (body == std::string::npos) return absl::DataLossError("no body");
  return response.substr(body + 4);
}

// The value of `series` (name and labels as exposed, e.g.
// svledger_streams_open{kind="subscribe"}) in Prometheus text; nullopt if
// it is not there.
inline std::optional<double> MetricValue(absl::string_view text,
                                         absl::string_view series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StartsWith(line, series) && line.size() > series.size() &&
        line[series.size()] == ' ') {
      double value = 0;
      if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) {
        return value;
      }
    }
  }
  return std::nullopt;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_HTTP_H_

#ifndef SVLEDGER_TESTS_TESTING_START_REPORT_H_
#define SVLEDGER_TESTS_TESTING_START_REPORT_H_

// What the svledger binary prints once it serves (server/main.cc), read
// from its output by tests and benchmarks that run it as a process.

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/subprocess.h"

namespace svledger::testing {

struct StartReport {
  int port = 0;             // "svledger listening on HOST:PORT, data in DIR"
  int metrics_port = 0;     // "svledger metrics on http://HOST:PORT/metrics"
  int http_port = 0;        // "svledger HTTP API on http(s)://HOST:PORT/ ..."
  std::string descriptors;  // "svledger: N file descriptors: ..." (last)
};

// Reads `server`'s output up to the report's last line; nullopt if the
// output ends or `timeout` passes first.
inline std::optional<StartReport> ReadStartReport(Subprocess& server,
                                                  absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  StartReport report;
  while (report.descriptors.empty()) {
    std::optional<std::string> line = server.ReadLine(deadline - absl::Now());
    if (!line.has_value()) return std::nullopt;
    if (absl::StartsWith(*line, "svledger listening on ")) {
      const size_t colon = line->find(':'), comma = line->find(',');
      if (!absl::SimpleAtoi(line->substr(colon + 1, comma - colon - 1),
                            &report.port)) {
        return std::nullopt;
      }
    } else if (absl::StartsWith(*line, "svledger metrics on http://")) {
      const size_t colon = line->rfind(':'), slash = line->rfind('/');
      if (!absl::SimpleAtoi(line->substr(colon + 1, slash - colon - 1),
                            &report.metrics_port)) {
        return std::nullopt;
      }
    } else if (absl::StartsWith(*line, "svledger HTTP API on http")) {
      const size_t scheme = line->find("://");
      const size_t colon = line->find(':', scheme + 3);
      const size_t slash = line->find('/', colon);
      if (colon == std::string::npos ||
          !absl::SimpleAtoi(line->substr(colon + 1, slash - colon - 1),
                            &report.http_port)) {
        return std::nullopt;
      }
    } else if (absl::StrContains(*line, " file descriptors: ")) {
      report.descriptors = *line;
    }
  }
  return report;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_START_REPORT_H_

#ifndef SVLEDGER_TESTS_TESTING_PROC_STATUS_H_
#define SVLEDGER_TESTS_TESTING_PROC_STATUS_H_

// A process's memory as Linux reports it in /proc/PID/status, for tests and
// benchmarks that hold a server to a memory bound.

#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace svledger::testing {

// A field of /proc/PID/status in kB ("VmRSS": resident now, "VmHWM": the
// resident peak); -1 if unreadable.
inline int64_t StatusKb(pid_t pid, const std::string& field) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, field + ":")) {
      std::vector<std::string> parts =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      int64_t kb = 0;
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) return kb;
    }
  }
  return -1;
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_PROC_STATUS_H_

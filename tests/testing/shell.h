#ifndef SVLEDGER_TESTS_TESTING_SHELL_H_
#define SVLEDGER_TESTS_TESTING_SHELL_H_

// Running a command line as a user types it, for tests of the binaries.

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <utility>

namespace svledger::testing {

// Runs `command` with /bin/sh; returns its exit status (-1 if it did not
// exit normally) and everything it printed on both streams.
inline std::pair<int, std::string> Shell(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) {
    out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_SHELL_H_

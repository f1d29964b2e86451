#ifndef SVLEDGER_TESTS_TESTING_SUBPROCESS_H_
#define SVLEDGER_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace svledger::testing {

// A child process whose standard output is read line by line. Standard error
// is inherited, so the child's diagnostics show in the test log.
// Not thread-safe.
class Subprocess {
 public:
  // Starts `argv[0]` with `argv`. Aborts the test binary if fork fails.
  explicit Subprocess(const std::vector<std::string>& argv);
  // Kills (SIGKILL) and reaps the child if it is still running.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // The next line of output without its newline, or nullopt at end of
  // output or when `timeout` passes first.
  std::optional<std::string> ReadLine(absl::Duration timeout);

  // Sends `signal` to the child.
  void Signal(int signal);

  // Waits up to `timeout` for the child to exit; returns its wait status,
  // or nullopt if it is still running.
  std::optional<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> status_;
};

}  // namespace svledger::testing

#endif  // SVLEDGER_TESTS_TESTING_SUBPROCESS_H_

// Every svctl and curl command in README.md, run as a user would type it
// (through bash, from the repository's root) against the real svledger binary
// with the demo and authentication on, as ./scripts/run starts it. A command
// must succeed, except one whose comment says PERMISSION_DENIED, which
// must be refused so; the streaming commands (watch, subscribe, alerts)
// must print and still be running when the test stops them.

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "tests/testing/start_report.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace svledger {
namespace {

// Whether a single quote is still open at the end of `text`: quotes
// outside comments count (a comment runs from " #" to the end of its line).
bool OpenQuote(const std::string& text) {
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\'') quoted = !quoted;
    if (!quoted && text[i] == '#' && i > 0 && text[i - 1] == ' ') {
      i = text.find('\n', i);
      if (i == std::string::npos) break;
    }
  }
  return quoted;
}

// The svctl and curl commands of the README's ```sh blocks, continuation lines
// joined (a command goes on while a single quote is open).
std::vector<std::string> ReadmeCommands() {
  std::ifstream in(SVLEDGER_README);
  std::vector<std::string> out;
  bool in_block = false;
  std::string command;
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "```")) {
      in_block = line == "```sh";
      continue;
    }
    if (!in_block) continue;
    if (command.empty() && !absl::StartsWith(line, "svctl ") &&
        !absl::StartsWith(line, "curl ")) {
      continue;
    }
    command += command.empty() ? line : "\n" + line;
    if (!OpenQuote(command)) {
      out.push_back(command);
      command.clear();
    }
  }
  return out;
}

struct ShellRun {
  int status = -1;  // exit status; 124 when the timeout stopped it
  std::string output;
};

ShellRun Bash(const std::string& script, int timeout_seconds) {
  const std::string quoted =
      absl::StrCat("'", absl::StrReplaceAll(script, {{"'", "'\\''"}}), "'");
  const std::string command =
      absl::StrCat("cd ", SVLEDGER_ROOT, " && timeout ", timeout_seconds,
                   " bash -c ", quoted, " 2>&1");
  ShellRun run;
  FILE* pipe = popen(command.c_str(), "r");
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    run.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(ReadmeTest, EverySvctlCommandWorksAgainstTheDemo) {
  const std::vector<std::string> commands = ReadmeCommands();
  ASSERT_GE(commands.size(), 30u) << "the README's commands were not found";
  testing::TempDir dir;
  testing::TempDir backups;  // as ./scripts/run keeps them: beside the data
  testing::Subprocess server(
      {SVLEDGER_PATH, "--listen=127.0.0.1:0", "--http-listen=127.0.0.1:0",
       "--metrics-listen=127.0.0.1:0", "--data-dir=" + dir.path(),
       "--backup-dir=" + backups.path(),
       std::string("--frameworks-dir=") + SVLEDGER_ROOT + "/frameworks",
       "--demo", "--dev-auth"});
  std::optional<testing::StartReport> report =
      testing::ReadStartReport(server, absl::Seconds(60));
  ASSERT_TRUE(report.has_value());
  const std::string port = absl::StrCat(report->port);
  // svctl as the README means it: this server, the demo's tokens.
  const std::string prelude = absl::StrCat(
      "svctl() { ", SVCTL_PATH, " --server=127.0.0.1:", port,
      " --tokens-dir=", dir.path(), "/dev-auth/tokens \"$@\"; }\n");
  int curls = 0;
  for (std::string command : commands) {
    // curl as the README means it: the HTTP port of ./scripts/run and its
    // data directory, here this server's; failures exit non-zero.
    if (absl::StartsWith(command, "curl ")) {
      ++curls;
      command = absl::StrReplaceAll(
          command,
          {{"127.0.0.1:8080", absl::StrCat("127.0.0.1:", report->http_port)},
           {"var/data/", dir.path() + "/"},
           {"curl -s ", "curl -s --fail-with-body "}});
    }
    const bool streams = absl::StrContains(command, " watch ") ||
                         absl::StrContains(command, " subscribe ") ||
                         absl::StrContains(command, " alerts ") ||
                         absl::StrContains(command, "# streams");
    const bool refused = absl::StrContains(command, "# PERMISSION_DENIED");
    ShellRun run = Bash(prelude + command, streams ? 3 : 30);
    if (streams) {
      EXPECT_EQ(run.status, 124) << command << "\n" << run.output;
      EXPECT_FALSE(run.output.empty()) << command;
    } else if (refused) {
      EXPECT_EQ(run.status, 1) << command << "\n" << run.output;
      EXPECT_TRUE(absl::StrContains(run.output, "PERMISSION_DENIED"))
          << command << "\n"
          << run.output;
    } else {
      EXPECT_EQ(run.status, 0) << command << "\n" << run.output;
    }
  }
  EXPECT_GE(curls, 4) << "the README's HTTP examples were not found";
  server.Signal(SIGTERM);
  EXPECT_TRUE(server.Wait(absl::Seconds(30)).has_value());
}

}  // namespace
}  // namespace svledger

#ifndef SVLEDGER_CLI_HELP_H_
#define SVLEDGER_CLI_HELP_H_

// svctl's commands as the help shows them: one line each in `svctl
// --help`, and for `svctl COMMAND --help` the usage, the flags the command
// reads and a worked example. One table (help.cc) lists them all; a test
// runs every command's --help and every example's syntax.

#include <string>
#include <vector>

namespace svledger::cli {

struct CommandHelp {
  const char* name;     // "report"
  const char* usage;    // "CONTRACT COMMITMENT --quantity=N --period=P"
  const char* summary;  // one line
  // The flags it reads (C++ names, e.g. "as_of"), besides the global ones.
  std::vector<std::string> flags;
  const char* example;  // a worked example, as typed
  const char* group;    // "Daily work", "Reading", ...
};

// Every command, in the order the overview shows them.
const std::vector<CommandHelp>& Commands();
// The command named `name`, or null.
const CommandHelp* FindCommand(const std::string& name);

// `svctl --help`: the commands, one line each, by group, and the global
// flags.
void PrintOverview();
// `svctl COMMAND --help`. REQUIRES: FindCommand(name) != nullptr.
void PrintCommandHelp(const CommandHelp& command);

// "unknown command 'x'" with the nearest command, for Usage.
std::string UnknownCommand(const std::string& name);

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_HELP_H_

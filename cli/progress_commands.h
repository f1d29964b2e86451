#ifndef SVLEDGER_CLI_PROGRESS_COMMANDS_H_
#define SVLEDGER_CLI_PROGRESS_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"

namespace svledger::cli {

// svctl's commands for progress, frameworks and weighting:
//   progress CONTRACT        --as-of=YYYY-MM-DD --min-position=N
//   contracts                --council=ID --supplier=ID --status=S
//                            --page-size=N --page-token=T
//   council COUNCIL          --as-of=YYYY-MM-DD
//   supplier SUPPLIER
//   watch CONTRACT           streams the contract's progress as it changes
//   frameworks
//   framework ID             --version=N
//   weighting                --impact=none|some|significant
//                            --objectives=a,b --quintile=1-5 --county-wide
//   publish-library FILE     a measures .textproto
//   publish-framework FILE   a council framework .textproto
//   projection-status [NAME] where a projection stands against the log
//   rebuild-projection [NAME] rebuild from the log while serving, then swap
// Tables on a terminal (status in colour), or --json.
//
// Returns the exit status, or -1 if `command` is none of these.
int RunProgressCommand(const std::string& command,
                       const std::shared_ptr<grpc::Channel>& channel,
                       const std::vector<char*>& args);

// `call` for ProgressService.* and FrameworkService.* unary methods: -1 if
// `method` is none of them.
int CallProgressJson(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& json);

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_PROGRESS_COMMANDS_H_

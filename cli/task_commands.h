#ifndef SVLEDGER_CLI_TASK_COMMANDS_H_
#define SVLEDGER_CLI_TASK_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"
#include "svledger/v1/progress_service.grpc.pb.h"

namespace svledger::cli {

// svctl's commands for the daily work of a contract manager and a
// supplier, without JSON (help.cc has each one's flags and an example):
//   register CONTRACT     a contract, its council's latest framework
//   commit CONTRACT ID    a commitment (or --file=F, one per line)
//   report CONTRACT ID    a delivery, with its evidence file's SHA-256
//   verify / reject CONTRACT DELIVERY
//   amend / withdraw CONTRACT COMMITMENT
//   close-contract CONTRACT
//   review                the pending returns, oldest first
//   deliveries            reports with their outcomes, by state
// Each takes dates as YYYY-MM-DD, money as people write it, shares in
// percent, checks what it can before calling (unknown council, contract or
// measure: an error naming the known ones), and prints what was recorded in
// words with its log position. Request ids derive from the request, so
// running a command again is replayed, never recorded twice. Server errors
// name the flag that carried the field.
//
// Returns the exit status, or -1 if `command` is none of these.
int RunTaskCommand(const std::string& command,
                   const std::shared_ptr<grpc::Channel>& channel,
                   const std::vector<char*>& args);

// "CONTRACT: no contract 'X' (did you mean Y?)": the contracts the caller
// can see suggest the nearest id, or are listed when they are few.
std::string ContractNotFoundMessage(v1::ProgressService::Stub& stub,
                                    const std::string& id);

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_TASK_COMMANDS_H_

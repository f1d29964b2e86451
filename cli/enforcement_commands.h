#ifndef SVLEDGER_CLI_ENFORCEMENT_COMMANDS_H_
#define SVLEDGER_CLI_ENFORCEMENT_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"

namespace svledger::cli {

// svctl's commands for enforcement and alerts:
//   cases                    the enforcement queue, most severe first:
//                            --council=ID --contract=ID --supplier=ID
//                            --state=open|closed --stage=NAME --overdue
//                            --page-size=N --page-token=T
//   case CONTRACT CASE       one case with its history
//   action CONTRACT CASE     --stage=NAME --note=TEXT --amount=GBP
//                            --agreed-date=YYYY-MM-DD
//                            --skip-reason=TEXT (required to skip stages)
//   close-case CONTRACT CASE --reason=REMEDIED|WAIVED|TERMINATED --note=TEXT
//   assess CONTRACT          --rating=GOOD|... --evidence=TEXT
//                            --assessed-on=YYYY-MM-DD
//   alerts                   streams alerts: --council=ID --contract=ID
//                            --from=N (0: from now) --count=N
// Commands take --request-id (default: generated, so a retry must pass the
// first one's id to be safe).
//
// Returns the exit status, or -1 if `command` is none of these.
int RunEnforcementCommand(const std::string& command,
                          const std::shared_ptr<grpc::Channel>& channel,
                          const std::vector<char*>& args);

// `call` for EnforcementService.* methods: -1 if `method` is none of them.
int CallEnforcementJson(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& method, const std::string& json);

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_ENFORCEMENT_COMMANDS_H_

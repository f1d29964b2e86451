#ifndef SVLEDGER_CLI_ACCESS_COMMANDS_H_
#define SVLEDGER_CLI_ACCESS_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"

namespace svledger::cli {

// svctl's commands for identities and roles (AdminService):
//   whoami                   the principal the server sees, and its roles
//   roles                    every role binding (admins)
//   grant                    --principal=P --role=admin|manager|supplier|
//                            auditor [--scope=COUNCIL|SUPPLIER] [--reason=T]
//   revoke                   the same flags
// Returns the exit status, or -1 if `command` is none of these.
int RunAccessCommand(const std::string& command,
                     const std::shared_ptr<grpc::Channel>& channel,
                     const std::vector<char*>& args);

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_ACCESS_COMMANDS_H_

#ifndef SVLEDGER_CLI_STORAGE_COMMANDS_H_
#define SVLEDGER_CLI_STORAGE_COMMANDS_H_

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/channel.h"

namespace svledger::cli {

// svctl's commands for the log's hash chain and the backups (AdminService):
//   log-head                 the chain head: position and SHA-256, to keep
//                            outside svledger (admins, auditors)
//   verify-log               recomputes the chain; --anchor=POSITION:SHA256
//                            (repeatable, comma-separated) checks heads kept
//                            earlier; --indexes also checks the indexes
//                            reads use; exit 3 if the chain or an anchor
//                            does not hold (admins, auditors)
//   backup create            an online backup into the server's --backup-dir
//   backup list              the complete backups
//   backup verify            --backup-id=N (default: the newest); exit 3 if
//                            the backup does not verify
//   backup prune             --keep=N: delete all but the newest N
// The backup commands and verify-log wait up to --timeout or 1 hour,
// whichever is longer: they read everything.
// Returns the exit status, or -1 if `command` is none of these.
int RunStorageCommand(const std::string& command,
                      const std::shared_ptr<grpc::Channel>& channel,
                      const std::vector<char*>& args);

}  // namespace svledger::cli

#endif  // SVLEDGER_CLI_STORAGE_COMMANDS_H_

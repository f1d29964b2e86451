#ifndef SVLEDGER_DOMAIN_PUBLICATION_H_
#define SVLEDGER_DOMAIN_PUBLICATION_H_

// The rule for publishing a measure library or a council framework version,
// as a pure decision beside the catalogue (app/framework_store.h records
// what it decides): versions count from 1 without gaps, the next version is
// the latest + 1, a published version is never rewritten, and publishing a
// published version again with identical content is answered with the
// original (so a retried publication writes nothing).

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"

namespace svledger::domain {

// One published version: its content and where the log holds it.
struct PublishedVersion {
  const google::protobuf::Message* content = nullptr;  // not owned
  uint64_t position = 0;
};

// Decides whether `proposed`, claiming `version`, may be published after
// the versions in `published` (of the same library, or the same framework
// id). `what` names it in messages ("measure library", "framework
// 'norwich'"). Returns nullopt to append it as a new version, or the
// position of the identical published version.
//
// Errors, naming the field "version":
//   ALREADY_EXISTS       `version` is published with other content;
//   FAILED_PRECONDITION  `version` is not the latest + 1.
absl::StatusOr<std::optional<uint64_t>> DecidePublication(
    const std::map<uint32_t, PublishedVersion>& published,
    const google::protobuf::Message& proposed, uint32_t version,
    const std::string& what);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_PUBLICATION_H_

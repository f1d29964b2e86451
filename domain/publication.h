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
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "svledger/v1/framework.pb.h"

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

// A framework version and the library version it pins (null if that is
// not published).
struct PinnedFramework {
  const v1::Framework* framework = nullptr;
  const v1::MeasureLibrary* library = nullptr;
};

// Whether `proposed`, a new measure library version, keeps every measure
// that `live` (the latest version of each framework) names, counted as its
// pinned library counts it: same unit, same aggregation. A measure's id is
// never reused for something counted differently (a new id is added
// instead). Errors: FAILED_PRECONDITION naming the measure and the
// framework that uses it.
absl::Status CheckLibraryKeepsMeasures(
    const v1::MeasureLibrary& proposed,
    const std::vector<PinnedFramework>& live);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_PUBLICATION_H_

#include "domain/publication.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"

namespace svledger::domain {

absl::StatusOr<std::optional<uint64_t>> DecidePublication(
    const std::map<uint32_t, PublishedVersion>& published,
    const google::protobuf::Message& proposed, uint32_t version,
    const std::string& what) {
  const uint32_t latest = published.empty() ? 0 : published.rbegin()->first;
  if (auto it = published.find(version); it != published.end()) {
    if (google::protobuf::util::MessageDifferencer::Equals(*it->second.content,
                                                           proposed)) {
      return it->second.position;
    }
    return absl::AlreadyExistsError(absl::StrCat(
        "version: ", what, " version ", version,
        " is published and is never rewritten; publish version ", latest + 1));
  }
  if (version != latest + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("version: the next ", what, " version is ", latest + 1,
                     ", not ", version));
  }
  return std::nullopt;
}

}  // namespace svledger::domain

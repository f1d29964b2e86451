#ifndef SVLEDGER_DOMAIN_IDS_H_
#define SVLEDGER_DOMAIN_IDS_H_

// Every id and stream name svledger checks or derives, in one place: the
// ids people type, the case ids the policy makes, the streams the server
// owns, and the deterministic event ids that make a retried command, a
// restart or a second publisher write nothing twice.
//
// Stream names (the persisted format of the log's stream ids):
//   "contract-<contract id>"  one contract's events (domain/contract.h)
//   "measures"                one MeasureLibraryPublished per version
//   "frameworks"              one FrameworkPublished per council version
// These are the server's own: only the application writes them
// (IsReservedStream).
//
// Event ids (Uuid::FromName of):
//   "contract/<contract id>/request/<request id>"      a command's 1st event
//   "contract/<contract id>/request/<request id>/<i>"  its event i (i >= 1)
//   "measures/v<N>"                                    library version N
//   "framework/<framework id>/v<N>"                    framework version N
// The enforcement policy's request id for a proposal keyed `key` is
// "policy.<Uuid::FromName("policy/<contract id>/<key>")>".

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/uuid.h"

namespace svledger::domain {

// Checks an id (contract, commitment, delivery, request, supplier): 1-100
// bytes of [A-Za-z0-9._:-]. Errors: INVALID_ARGUMENT naming `field`.
absl::Status CheckId(absl::string_view value, absl::string_view field);

// A front door's request id: an id as CheckId says, named "request_id",
// and not one of the policy's (kPolicyRequestPrefix), whose events it
// would otherwise be answered with.
absl::Status CheckRequestId(absl::string_view request_id);

// The stream that holds a contract's events: "contract-<contract id>".
inline constexpr char kContractStreamPrefix[] = "contract-";
std::string ContractStream(absl::string_view contract_id);
// The contract id of a contract stream; nullopt for any other stream.
std::optional<std::string> ContractIdOfStream(absl::string_view stream);

// The streams of published measure libraries and council frameworks.
inline constexpr char kMeasuresStream[] = "measures";
inline constexpr char kFrameworksStream[] = "frameworks";
// The stream of role grants and revocations (app/role_bindings.h).
inline constexpr char kRolesStream[] = "roles";

// Whether `stream` is one the server owns (every contract stream, the
// measures, frameworks and roles streams): written only through the
// application's commands, never by a raw append.
bool IsReservedStream(absl::string_view stream);

// The id of event `index` (0-based) of the command `request_id` on a
// contract. Event 0's id is the one a retried request is recognised by.
Uuid CommandEventId(absl::string_view contract_id, absl::string_view request_id,
                    int index);

// The request id under which the policy records its proposal keyed `key`
// (domain::PolicyEvent::key): kPolicyRequestPrefix and a name-based UUID.
inline constexpr char kPolicyRequestPrefix[] = "policy.";
std::string PolicyRequestId(absl::string_view contract_id,
                            absl::string_view key);

// The event ids of published versions.
Uuid MeasureLibraryEventId(uint32_t version);
Uuid FrameworkEventId(absl::string_view framework_id, uint32_t version);

// An enforcement case is "<commitment id>#<n>", n counting from 1 the cases
// opened on that commitment.
std::string CaseId(absl::string_view commitment_id, int n);

struct CaseRef {
  std::string commitment_id;
  int n = 0;
};
// Parses a case id. Errors: INVALID_ARGUMENT naming `field`: "required"
// when empty, otherwise the expected form.
absl::StatusOr<CaseRef> ParseCaseId(absl::string_view case_id,
                                    absl::string_view field = "case_id");

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_IDS_H_

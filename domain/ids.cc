#include "domain/ids.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/names.h"

namespace svledger::domain {
namespace {

constexpr size_t kMaxIdBytes = 100;  // "contract-" + id fits a stream id

absl::Status Invalid(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

}  // namespace

absl::Status CheckId(absl::string_view value, absl::string_view field) {
  if (value.empty()) return Invalid(field, "required");
  if (value.size() > kMaxIdBytes) {
    return Invalid(field, absl::StrCat("longer than ", kMaxIdBytes, " bytes"));
  }
  if (FirstNonNameChar(value) >= 0) {
    return Invalid(field, "only [A-Za-z0-9._:-] allowed");
  }
  return absl::OkStatus();
}

absl::Status CheckRequestId(absl::string_view request_id) {
  if (absl::StartsWith(request_id, kPolicyRequestPrefix)) {
    return Invalid("request_id",
                   absl::StrCat("ids starting \"", kPolicyRequestPrefix,
                                "\" are the enforcement policy's"));
  }
  return CheckId(request_id, "request_id");
}

std::string ContractStream(absl::string_view contract_id) {
  return absl::StrCat(kContractStreamPrefix, contract_id);
}

std::optional<std::string> ContractIdOfStream(absl::string_view stream) {
  if (!absl::StartsWith(stream, kContractStreamPrefix)) return std::nullopt;
  return std::string(stream.substr(sizeof(kContractStreamPrefix) - 1));
}

bool IsReservedStream(absl::string_view stream) {
  return absl::StartsWith(stream, kContractStreamPrefix) ||
         stream == kMeasuresStream || stream == kFrameworksStream ||
         stream == kRolesStream;
}

Uuid CommandEventId(absl::string_view contract_id, absl::string_view request_id,
                    int index) {
  std::string name =
      absl::StrCat("contract/", contract_id, "/request/", request_id);
  if (index > 0) absl::StrAppend(&name, "/", index);
  return Uuid::FromName(name);
}

std::string PolicyRequestId(absl::string_view contract_id,
                            absl::string_view key) {
  return absl::StrCat(
      "policy.", Uuid::FromName(absl::StrCat("policy/", contract_id, "/", key))
                     .ToString());
}

Uuid MeasureLibraryEventId(uint32_t version) {
  return Uuid::FromName(absl::StrCat("measures/v", version));
}

Uuid FrameworkEventId(absl::string_view framework_id, uint32_t version) {
  return Uuid::FromName(
      absl::StrCat("framework/", framework_id, "/v", version));
}

std::string CaseId(absl::string_view commitment_id, int n) {
  return absl::StrCat(commitment_id, "#", n);
}

absl::StatusOr<CaseRef> ParseCaseId(absl::string_view case_id,
                                    absl::string_view field) {
  if (case_id.empty()) return Invalid(field, "required");
  const size_t hash = case_id.rfind('#');
  CaseRef ref;
  if (hash == absl::string_view::npos ||
      !CheckId(case_id.substr(0, hash), field).ok() ||
      !absl::SimpleAtoi(case_id.substr(hash + 1), &ref.n) || ref.n <= 0) {
    return Invalid(field, "expected \"<commitment id>#<n>\"");
  }
  ref.commitment_id = std::string(case_id.substr(0, hash));
  return ref;
}

}  // namespace svledger::domain

#ifndef SVLEDGER_APP_FRAMEWORKS_H_
#define SVLEDGER_APP_FRAMEWORKS_H_

#include <string>

#include "absl/status/statusor.h"
#include "app/caller.h"
#include "app/framework_store.h"
#include "svledger/v1/framework_service.pb.h"

namespace svledger::app {

// What every front door offers on frameworks: publishing a measure library
// or a council framework (given as a message or as protobuf text), the
// framework files published on first start, and the weighting advice of
// Lancashire's framework.
//
// Publishing is kPublishFrameworks, advice kReadFrameworks
// (app/access_policy.h): PERMISSION_DENIED otherwise.
//
// Errors: INVALID_ARGUMENT naming the field (give exactly one of the
// message and textproto; textproto at most 4 MiB and parsable; the content
// valid); FrameworkStore's for the publication itself.
//
// Thread-safe. `frameworks` must outlive it.
class Frameworks {
 public:
  explicit Frameworks(FrameworkStore* frameworks) : frameworks_(frameworks) {}

  absl::StatusOr<v1::PublishResponse> PublishMeasureLibrary(
      const Caller& caller, const v1::PublishMeasureLibraryRequest& request);
  absl::StatusOr<v1::PublishResponse> PublishFramework(
      const Caller& caller, const v1::PublishFrameworkRequest& request);

  // Publishes measures.textproto, then every other *.textproto in `dir` (a
  // council framework each) in name order, skipping councils this instance
  // does not serve. Each publication is idempotent. Errors: NOT_FOUND for
  // an unreadable file; a file's parse or publication error.
  absl::Status PublishFrameworkFiles(const std::string& dir,
                                     const Caller& caller);

  // The share of the evaluation to give social value (domain/weighting.h).
  // Objectives are checked against the latest Lancashire framework, if
  // published. Errors: INVALID_ARGUMENT naming the field.
  absl::StatusOr<v1::RecommendWeightingResponse> RecommendWeighting(
      const Caller& caller, const v1::RecommendWeightingRequest& request) const;

 private:
  FrameworkStore* const frameworks_;
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_FRAMEWORKS_H_

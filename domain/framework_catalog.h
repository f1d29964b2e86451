#ifndef SVLEDGER_DOMAIN_FRAMEWORK_CATALOG_H_
#define SVLEDGER_DOMAIN_FRAMEWORK_CATALOG_H_

// Loading and checking social value frameworks written as protobuf text
// (frameworks/*.textproto; schema proto/svledger/v1/framework.proto). Pure:
// no RocksDB, no gRPC; the caller reads the files.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "svledger/v1/framework.pb.h"

namespace svledger::domain {

// Parses a measure library. Errors: INVALID_ARGUMENT naming the line and
// field of a syntax error, or the first measure that breaks the rules:
// ids unique and non-empty, unit and aggregation set, RATIO measures in
// PERCENT with a numerator and denominator, proxy values >= 0 with a
// source.
absl::StatusOr<v1::MeasureLibrary> ParseMeasureLibrary(
    absl::string_view text, absl::string_view file_name = "measures");

// Parses a council framework and checks it against `library`: id, council
// and version >= 1 set; at least one theme, each with at least one outcome;
// theme ids unique, outcome ids unique within the framework; every example
// measure names a measure of the library. Errors: INVALID_ARGUMENT naming
// the offending field.
absl::StatusOr<v1::Framework> ParseFramework(
    absl::string_view text, const v1::MeasureLibrary& library,
    absl::string_view file_name = "framework");

// The checks the parsers apply, for messages that arrive parsed (e.g. over
// gRPC). `source` prefixes error messages.
absl::Status ValidateMeasureLibrary(const v1::MeasureLibrary& library,
                                    absl::string_view source);
absl::Status ValidateFramework(const v1::Framework& framework,
                               const v1::MeasureLibrary& library,
                               absl::string_view source);

// The measure of `library` with `id`, or null. Linear: libraries hold tens
// of measures.
const v1::Measure* FindMeasure(const v1::MeasureLibrary& library,
                               absl::string_view id);

// Counts, for summaries and transcription checks.
struct FrameworkCounts {
  int themes = 0;
  int outcomes = 0;
  int measure_refs = 0;
  int distinct_measures = 0;
};
FrameworkCounts Count(const v1::Framework& framework);

}  // namespace svledger::domain

#endif  // SVLEDGER_DOMAIN_FRAMEWORK_CATALOG_H_

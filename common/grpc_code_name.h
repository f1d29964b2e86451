#ifndef SVLEDGER_COMMON_GRPC_CODE_NAME_H_
#define SVLEDGER_COMMON_GRPC_CODE_NAME_H_

namespace svledger {

// The name of a gRPC status code ("NOT_FOUND"), given as its number so that
// this header needs no gRPC; "UNKNOWN" for a number out of range.
inline const char* GrpcCodeName(int code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  return code >= 0 && code < 17 ? kNames[code] : "UNKNOWN";
}

}  // namespace svledger

#endif  // SVLEDGER_COMMON_GRPC_CODE_NAME_H_

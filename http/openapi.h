#ifndef SVLEDGER_HTTP_OPENAPI_H_
#define SVLEDGER_HTTP_OPENAPI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace svledger::http {

// The OpenAPI 3.1 description of `services` as the HTTP gateway serves
// them (http/http_server.h): one path a method, POST /<Service>/<Method>
// with the request and response in protobuf's canonical JSON mapping
// (int64s as strings, enums by name, bytes in base64), plus GET for
// methods marked idempotency_level = NO_SIDE_EFFECTS, and for streaming
// methods the Connect stream and Server-Sent Events forms; every message
// a schema under components/schemas named by its full name; bearer tokens
// and client certificates as its security schemes.
//
// Errors: INTERNAL if the document cannot be written.
absl::StatusOr<std::string> OpenApiJson(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    const std::string& version);

}  // namespace svledger::http

#endif  // SVLEDGER_HTTP_OPENAPI_H_

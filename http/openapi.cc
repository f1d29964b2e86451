#include "http/openapi.h"

#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "http/connect.h"

namespace svledger::http {
namespace {

namespace pb = google::protobuf;

pb::Value Str(absl::string_view s) {
  pb::Value v;
  v.set_string_value(std::string(s));
  return v;
}

pb::Value Bool(bool b) {
  pb::Value v;
  v.set_bool_value(b);
  return v;
}

pb::Value Obj(std::initializer_list<std::pair<std::string, pb::Value>> kv) {
  pb::Value v;
  pb::Struct* s = v.mutable_struct_value();
  for (const auto& [k, value] : kv) (*s->mutable_fields())[k] = value;
  return v;
}

pb::Value List(std::initializer_list<pb::Value> items) {
  pb::Value v;
  for (const pb::Value& item : items) {
    *v.mutable_list_value()->add_values() = item;
  }
  return v;
}

pb::Value& Field(pb::Value& object, const std::string& key) {
  return (*object.mutable_struct_value()->mutable_fields())[key];
}

pb::Value Ref(const pb::Descriptor& message) {
  return Obj({{"$ref", Str(absl::StrCat("#/components/schemas/",
                                        message.full_name()))}});
}

// The JSON schema of a single value of `field` (not repeated).
pb::Value ValueSchema(const pb::FieldDescriptor& field) {
  switch (field.type()) {
    case pb::FieldDescriptor::TYPE_BOOL:
      return Obj({{"type", Str("boolean")}});
    case pb::FieldDescriptor::TYPE_STRING:
      return Obj({{"type", Str("string")}});
    case pb::FieldDescriptor::TYPE_BYTES:
      return Obj({{"type", Str("string")}, {"contentEncoding", Str("base64")}});
    case pb::FieldDescriptor::TYPE_DOUBLE:
    case pb::FieldDescriptor::TYPE_FLOAT:
      return Obj({{"type", Str("number")}});
    case pb::FieldDescriptor::TYPE_INT32:
    case pb::FieldDescriptor::TYPE_SINT32:
    case pb::FieldDescriptor::TYPE_SFIXED32:
      return Obj({{"type", Str("integer")}, {"format", Str("int32")}});
    case pb::FieldDescriptor::TYPE_UINT32:
    case pb::FieldDescriptor::TYPE_FIXED32:
      return Obj({{"type", Str("integer")}, {"format", Str("uint32")}});
    case pb::FieldDescriptor::TYPE_INT64:
    case pb::FieldDescriptor::TYPE_SINT64:
    case pb::FieldDescriptor::TYPE_SFIXED64:
      // The canonical mapping writes 64-bit integers as strings; readers
      // take either.
      return Obj({{"type", List({Str("string"), Str("integer")})},
                  {"format", Str("int64")}});
    case pb::FieldDescriptor::TYPE_UINT64:
    case pb::FieldDescriptor::TYPE_FIXED64:
      return Obj({{"type", List({Str("string"), Str("integer")})},
                  {"format", Str("uint64")}});
    case pb::FieldDescriptor::TYPE_ENUM: {
      pb::Value names;
      const pb::EnumDescriptor& e = *field.enum_type();
      for (int i = 0; i < e.value_count(); ++i) {
        *names.mutable_list_value()->add_values() = Str(e.value(i)->name());
      }
      return Obj({{"type", Str("string")}, {"enum", names}});
    }
    case pb::FieldDescriptor::TYPE_MESSAGE:
    case pb::FieldDescriptor::TYPE_GROUP:
      return Ref(*field.message_type());
  }
  return Obj({});
}

pb::Value FieldSchema(const pb::FieldDescriptor& field) {
  if (field.is_map()) {
    return Obj({{"type", Str("object")},
                {"additionalProperties",
                 ValueSchema(*field.message_type()->map_value())}});
  }
  if (field.is_repeated()) {
    return Obj({{"type", Str("array")}, {"items", ValueSchema(field)}});
  }
  return ValueSchema(field);
}

// Adds `message` and every message it refers to.
void AddSchemas(const pb::Descriptor& message, pb::Value& schemas,
                std::set<std::string>& done) {
  if (!done.insert(message.full_name()).second) return;
  pb::Value schema =
      Obj({{"type", Str("object")}, {"additionalProperties", Bool(false)}});
  pb::Value& properties = Field(schema, "properties");
  properties.mutable_struct_value();
  for (int i = 0; i < message.field_count(); ++i) {
    const pb::FieldDescriptor& field = *message.field(i);
    Field(properties, field.json_name()) = FieldSchema(field);
    const pb::Descriptor* nested = field.message_type();
    if (field.is_map())
      nested = field.message_type()->map_value()->message_type();
    if (nested != nullptr) AddSchemas(*nested, schemas, done);
  }
  Field(schemas, message.full_name()) = schema;
}

pb::Value JsonBody(const pb::Descriptor& message, absl::string_view type) {
  return Obj({{"content",
               Obj({{std::string(type), Obj({{"schema", Ref(message)}})}})}});
}

pb::Value ErrorResponse() {
  return Obj(
      {{"description",
        Str("A Connect error; the HTTP status follows the code "
            "(400 invalid_argument, failed_precondition, out_of_range; 401 "
            "unauthenticated; 403 permission_denied; 404 not_found; 409 "
            "already_exists, aborted; 413 a body over the limit; 415 an "
            "unsupported Content-Type; 429 resource_exhausted; 501 "
            "unimplemented; 503 unavailable; 504 deadline_exceeded; 500 the "
            "rest)")},
       {"content",
        Obj({{kJson,
              Obj({{"schema", Obj({{"$ref", Str("#/components/schemas/"
                                                "connect.error")}})}})}})}});
}

pb::Value Operation(const pb::MethodDescriptor& method, bool get) {
  const pb::ServiceDescriptor& service = *method.service();
  pb::Value op =
      Obj({{"operationId", Str(absl::StrCat(service.name(), ".", method.name(),
                                            get ? ".get" : ""))},
           {"tags", List({Str(service.name())})}});
  pb::Value responses = Obj({{"default", ErrorResponse()}});
  if (method.server_streaming()) {
    Field(op, "description") = Str(
        "A stream: POST a Connect stream (application/connect+json, the "
        "request in one envelope; responses enveloped, then an end-of-stream "
        "message), or ask for Server-Sent Events (Accept: text/event-stream, "
        "GET ?message=<JSON> or POST JSON): each response is a 'data:' line "
        "with its position as 'id:', and a reconnect with Last-Event-ID "
        "resumes with no gap and no duplicate; an 'error' event ends it.");
    Field(op, "requestBody") = JsonBody(*method.input_type(), kJson);
    pb::Value ok = Obj(
        {{"description", Str("the responses, as they come")},
         {"content",
          Obj({{kEventStream, Obj({{"schema", Ref(*method.output_type())}})},
               {kConnectJson,
                Obj({{"schema", Ref(*method.output_type())}})}})}});
    Field(responses, "200") = ok;
  } else {
    if (get) {
      Field(op, "parameters") =
          List({Obj({{"name", Str("message")},
                     {"in", Str("query")},
                     {"required", Bool(false)},
                     {"description", Str("the request as JSON (URL-encoded)")},
                     {"content",
                      Obj({{kJson,
                            Obj({{"schema", Ref(*method.input_type())}})}})}}),
                Obj({{"name", Str("encoding")},
                     {"in", Str("query")},
                     {"schema", Obj({{"type", Str("string")},
                                     {"enum", List({Str("json")})}})}})});
    } else {
      Field(op, "requestBody") = JsonBody(*method.input_type(), kJson);
    }
    pb::Value ok = JsonBody(*method.output_type(), kJson);
    Field(ok, "description") = Str("the response");
    Field(responses, "200") = ok;
  }
  Field(op, "responses") = responses;
  return op;
}

}  // namespace

absl::StatusOr<std::string> OpenApiJson(
    const std::vector<const pb::ServiceDescriptor*>& services,
    const std::string& version) {
  pb::Value doc =
      Obj({{"openapi", Str("3.1.0")},
           {"info",
            Obj({{"title", Str("svledger")},
                 {"version", Str(version)},
                 {"description",
                  Str("Every RPC of svledger over HTTP in the Connect protocol "
                      "(https://connectrpc.com/docs/protocol): POST "
                      "/<package>.<Service>/<Method> with the request as JSON "
                      "(protobuf's canonical mapping) and Content-Type: "
                      "application/json. See doc/http_api.md.")}})},
           {"security", List({Obj({{"bearer", List({})}}),
                              Obj({{"clientCertificate", List({})}})})}});
  pb::Value schemas = Obj(
      {{"connect.error",
        Obj({{"type", Str("object")},
             {"properties", Obj({{"code", Obj({{"type", Str("string")}})},
                                 {"message", Obj({{"type", Str("string")}})}})},
             {"required", List({Str("code")})}})}});
  std::set<std::string> done;
  pb::Value paths = Obj({});
  for (const pb::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor& method = *service->method(i);
      pb::Value item = Obj({{"post", Operation(method, false)}});
      if (method.options().idempotency_level() ==
              pb::MethodOptions::NO_SIDE_EFFECTS ||
          method.server_streaming()) {
        Field(item, "get") = Operation(method, true);
      }
      Field(paths,
            absl::StrCat("/", service->full_name(), "/", method.name())) = item;
      AddSchemas(*method.input_type(), schemas, done);
      AddSchemas(*method.output_type(), schemas, done);
    }
  }
  Field(doc, "paths") = paths;
  Field(doc, "components") =
      Obj({{"schemas", schemas},
           {"securitySchemes",
            Obj({{"bearer", Obj({{"type", Str("http")},
                                 {"scheme", Str("bearer")},
                                 {"bearerFormat", Str("JWT")}})},
                 {"clientCertificate", Obj({{"type", Str("mutualTLS")}})}})}});
  std::string out;
  const auto written = pb::util::MessageToJsonString(doc, &out);
  if (!written.ok()) {
    return absl::InternalError(
        absl::StrCat("openapi: ", written.message().ToString()));
  }
  return out;
}

}  // namespace svledger::http

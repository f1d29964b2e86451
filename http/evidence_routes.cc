#include "http/evidence_routes.h"

#include <httplib.h>

#include <string>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "http/connect.h"

namespace svledger::http {
namespace {

void SendStatus(const absl::Status& status, httplib::Response& res) {
  res.status = HttpStatusOf(status.code());
  res.set_content(ErrorJson(status), kJson);
}

// A file over the limit: RESOURCE_EXHAUSTED as 413, not 429 (a retry will
// not help).
void SendTooLarge(const std::string& message, httplib::Response& res) {
  SendStatus(absl::ResourceExhaustedError(message), res);
  res.status = 413;
}

}  // namespace

std::string AttachmentDisposition(absl::string_view name,
                                  absl::string_view sha256) {
  std::string fallback;
  std::string encoded;
  const std::string given =
      name.empty() ? absl::StrCat("evidence-", sha256.substr(0, 12))
                   : std::string(name);
  for (unsigned char c : given) {
    const bool plain =
        absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_';
    fallback.push_back(plain ? static_cast<char>(c) : '_');
    if (plain) {
      encoded.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&encoded, "%%%02X", c);
    }
  }
  return absl::StrCat("attachment; filename=\"", fallback,
                      "\"; filename*=UTF-8''", encoded);
}

absl::StatusOr<app::Caller> EvidenceRoutes::CallerOf(
    const Credentials& credentials) const {
  std::optional<absl::string_view> authorization;
  if (credentials.authorization) authorization = *credentials.authorization;
  std::optional<absl::string_view> actor;
  if (credentials.actor) actor = *credentials.actor;
  return auth_->AuthenticateWith(authorization, credentials.certificate_sans,
                                 actor);
}

void EvidenceRoutes::Upload(const Credentials& credentials,
                            const httplib::Request& req, httplib::Response& res,
                            const httplib::ContentReader& content) const {
  // Every answer comes after the body was read to its end (a body over the
  // limit, or refused, is dropped as it is read): httplib 0.11 cannot
  // close the connection from a handler, and a body left unread would be
  // parsed as the next request on it while the client, still sending,
  // never reads the answer. (httplib itself skips a body the same way when
  // Content-Length is over its payload limit, max_bytes + 1.)
  absl::StatusOr<app::Caller> caller = CallerOf(credentials);
  const bool admitted =
      caller.ok() && uploads_.fetch_add(1) < options_.max_uploads;
  if (caller.ok() && !admitted) uploads_.fetch_sub(1);
  absl::Cleanup done = [this, admitted] {
    if (admitted) uploads_.fetch_sub(1);
  };
  uint64_t declared = 0;
  const bool length_ok =
      !req.has_header("Content-Length") ||
      absl::SimpleAtoi(req.get_header_value("Content-Length"), &declared);
  bool over = !admitted || !length_ok || declared > options_.max_bytes;
  std::string body;
  if (!over) body.reserve(static_cast<size_t>(declared));
  const bool read = content([&](const char* data, size_t length) {
    if (over || body.size() + length > options_.max_bytes) {
      over = true;
      body.clear();
    } else {
      body.append(data, length);
    }
    return true;
  });
  if (!caller.ok()) return SendStatus(caller.status(), res);
  if (!admitted) {
    return SendStatus(absl::ResourceExhaustedError(absl::StrCat(
                          "evidence: ", options_.max_uploads,
                          " uploads are being read already; retry shortly")),
                      res);
  }
  if (!length_ok) {
    return SendStatus(
        absl::InvalidArgumentError("Content-Length: not a number of bytes"),
        res);
  }
  if (!read) {
    return SendStatus(absl::InvalidArgumentError(
                          "content: the upload ended before the file did"),
                      res);
  }
  if (over) {
    return SendTooLarge(absl::StrCat("content: the file is over the limit of ",
                                     options_.max_bytes, " bytes"),
                        res);
  }
  absl::StatusOr<v1::Evidence> stored = files_->Upload(
      *caller, req.matches[1], req.get_param_value("name"), body);
  if (!stored.ok()) return SendStatus(stored.status(), res);
  absl::StatusOr<std::string> json = RpcBridge::Write(*stored, Encoding::kJson);
  if (!json.ok()) return SendStatus(json.status(), res);
  res.set_content(*std::move(json), kJson);
}

void EvidenceRoutes::Download(const Credentials& credentials,
                              const httplib::Request& req,
                              httplib::Response& res) const {
  absl::StatusOr<app::Caller> caller = CallerOf(credentials);
  if (!caller.ok()) return SendStatus(caller.status(), res);
  const std::string sha256 = req.matches[2];
  absl::StatusOr<app::EvidenceDownload> file =
      files_->Download(*caller, req.matches[1], sha256);
  if (!file.ok()) return SendStatus(file.status(), res);
  res.set_header("Content-Disposition",
                 AttachmentDisposition(file->name, sha256));
  // A file is never rendered as a page of this origin, even if a browser
  // is made to open it.
  res.set_header("Content-Security-Policy", "default-src 'none'; sandbox");
  res.set_header("Cache-Control", "private, no-store");
  res.set_content(std::move(file->content), file->media_type);
}

}  // namespace svledger::http

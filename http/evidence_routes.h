#ifndef SVLEDGER_HTTP_EVIDENCE_ROUTES_H_
#define SVLEDGER_HTTP_EVIDENCE_ROUTES_H_

#include <atomic>
#include <cstddef>
#include <string>

#include "app/evidence_files.h"
#include "http/rpc_bridge.h"
#include "services/authenticate.h"

namespace httplib {
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace svledger::http {

struct EvidenceRoutesOptions {
  // The largest file, in bytes: the evidence store's limit (the server
  // passes StorageOptions::max_evidence_bytes). Default 25 MiB.
  size_t max_bytes = 25 << 20;
  // Uploads read at once; beyond it 429 (retry). Each holds up to
  // max_bytes in memory while it is read. Default 4.
  size_t max_uploads = 4;
};

// Evidence files over HTTP (http/README.md, "Evidence files"):
//
//   POST /evidence/{contract_id}?name={file name}   body: the file's bytes
//     200 with the Evidence to name in ReportDelivery, as JSON
//     ({"uri": "svledger-evidence:<sha256>", "sha256", "name", "size",
//     "mediaType"}).
//   GET /evidence/{contract_id}/{sha256}
//     200 with the file as an attachment, its type read from its bytes.
//
// Not RPCs: a file of up to 25 MiB is more than a gRPC message should
// carry, and browsers, curl and Power Automate upload with a plain POST.
// A call is authenticated as an RPC is (services::CallAuthenticator) and
// decided by app::EvidenceFiles; errors are Connect's JSON errors with
// their HTTP statuses (413 for a file over the limit).
//
// Thread-safe. `auth` and `files` must outlive it.
class EvidenceRoutes {
 public:
  EvidenceRoutes(const services::CallAuthenticator* auth,
                 const app::EvidenceFiles* files,
                 EvidenceRoutesOptions options = {})
      : auth_(auth), files_(files), options_(options) {}

  // POST /evidence/{contract_id}: `req.matches[1]` is the contract id; the
  // body is read through `content`, holding at most max_bytes (a larger one
  // is read to its end and dropped, so the client reads the 413).
  void Upload(const Credentials& credentials, const httplib::Request& req,
              httplib::Response& res,
              const httplib::ContentReader& content) const;

  // GET /evidence/{contract_id}/{sha256}: `req.matches[1]` and [2].
  void Download(const Credentials& credentials, const httplib::Request& req,
                httplib::Response& res) const;

  const EvidenceRoutesOptions& options() const { return options_; }

 private:
  absl::StatusOr<app::Caller> CallerOf(const Credentials& credentials) const;

  const services::CallAuthenticator* const auth_;
  const app::EvidenceFiles* const files_;
  const EvidenceRoutesOptions options_;
  mutable std::atomic<size_t> uploads_{0};
};

// The Content-Disposition of a download of `name` (empty: a name made
// from `sha256`): an attachment, with an ASCII fallback name and the name
// itself percent-encoded (RFC 6266, RFC 8187).
std::string AttachmentDisposition(absl::string_view name,
                                  absl::string_view sha256);

}  // namespace svledger::http

#endif  // SVLEDGER_HTTP_EVIDENCE_ROUTES_H_

#ifndef SVLEDGER_HTTP_CERTIFICATE_RELOADER_H_
#define SVLEDGER_HTTP_CERTIFICATE_RELOADER_H_

#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace svledger::http {

// The HTTP port's certificate and key, re-read when the files change, so a
// renewed certificate is served without a restart (as gRPC's
// FileWatcherCertificateProvider does for the gRPC port). Each TLS
// handshake takes the pair in force; the files are looked at (mtime and
// size) at most once per `interval`, on a handshake. A renewal caught half
// written (a key that does not match its certificate, a truncated file)
// is skipped: the old pair goes on being served and the files are read
// again at the next look.
//
// Thread-safe.
class CertificateReloader {
 public:
  // Reads `cert_file` (the PEM chain, leaf first) and `key_file` now.
  // Errors: INVALID_ARGUMENT naming the file that is unreadable, not PEM,
  // or whose key does not match the certificate.
  static absl::StatusOr<std::unique_ptr<CertificateReloader>> Open(
      std::string cert_file, std::string key_file, absl::Duration interval);

  ~CertificateReloader();

  // Makes `ctx`'s handshakes take the pair in force.
  // REQUIRES: this outlives every handshake of `ctx`.
  void Install(SSL_CTX& ctx);

  // How many pairs have been loaded: 1 after Open, one more per renewal.
  uint64_t loads() const;

 private:
  struct Pair;
  CertificateReloader(std::string cert_file, std::string key_file,
                      absl::Duration interval);
  static int OnHandshake(SSL* ssl, void* self);
  // Reads both files; the pair, or why not.
  absl::StatusOr<std::shared_ptr<const Pair>> Read() const;
  // The files' mtimes and sizes, to notice a change.
  std::string Stamp() const;
  std::shared_ptr<const Pair> Current();

  const std::string cert_file_;
  const std::string key_file_;
  const absl::Duration interval_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Pair> pair_ ABSL_GUARDED_BY(mu_);
  std::string stamp_ ABSL_GUARDED_BY(mu_);
  absl::Time next_look_ ABSL_GUARDED_BY(mu_);
  uint64_t loads_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace svledger::http

#endif  // SVLEDGER_HTTP_CERTIFICATE_RELOADER_H_

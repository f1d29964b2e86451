#ifndef SVLEDGER_AUTH_KEY_SOURCE_H_
#define SVLEDGER_AUTH_KEY_SOURCE_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/key_set.h"

namespace svledger::auth {

// Where an issuer's signing keys come from. Exactly one of jwks_file and
// issuer_url.
struct KeySourceOptions {
  // A JWKS file (the development issuer's, or one an operator keeps). Read
  // again every `refresh`, and early when a token names a kid it lacks, so
  // rotating keys needs no restart.
  std::string jwks_file;
  // An OIDC issuer: its discovery document
  // <issuer_url>/.well-known/openid-configuration names jwks_uri, fetched
  // with libcurl. https, or http to a loopback host only.
  std::string issuer_url;
  // How often the keys are fetched again. Default 10 minutes.
  absl::Duration refresh = absl::Minutes(10);
  // A token with an unknown kid asks for an early refresh (the issuer has
  // rotated); at most this often. Default 10 s.
  absl::Duration min_refresh = absl::Seconds(10);
  // Each HTTP fetch gives up after this. Default 10 s.
  absl::Duration fetch_timeout = absl::Seconds(10);
};

// The current KeySet of one issuer, refreshed in the background so that
// no call ever waits for I/O: a lookup is a shared_ptr copy.
//
// Thread-safe.
class KeySource {
 public:
  // Loads the keys once (errors: the file's or fetch's, or the JWKS's
  // parse error: the server does not start without keys) and starts the
  // refresher.
  static absl::StatusOr<std::unique_ptr<KeySource>> Start(
      KeySourceOptions options);

  // Stops the refresher.
  ~KeySource();

  std::shared_ptr<const KeySet> Current() const;

  // A token named a kid the current set lacks: refresh soon (at most every
  // min_refresh), in the background.
  void RequestRefresh();

  // Loads now, on the calling thread; on failure the current keys stay.
  // For tests and the refresher.
  absl::Status RefreshNow();

  // Refreshes that failed (each keeps the keys it had). For metrics.
  uint64_t failures() const;

 private:
  explicit KeySource(KeySourceOptions options) : options_(std::move(options)) {}
  absl::StatusOr<std::string> Fetch() const;
  void Run();

  const KeySourceOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const KeySet> keys_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_load_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  uint64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread refresher_;
};

// GET `url` (https, or http to localhost / 127.0.0.1 / [::1]) with libcurl:
// the body of a 200 of at most `max_bytes`. Errors: INVALID_ARGUMENT for a
// URL of another scheme; UNAVAILABLE for a failed fetch or another status.
absl::StatusOr<std::string> HttpGet(const std::string& url, size_t max_bytes,
                                    absl::Duration timeout);

}  // namespace svledger::auth

#endif  // SVLEDGER_AUTH_KEY_SOURCE_H_

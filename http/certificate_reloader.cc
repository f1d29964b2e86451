#include "http/certificate_reloader.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace svledger::http {

// A certificate chain and its key, owned.
struct CertificateReloader::Pair {
  X509* leaf = nullptr;
  STACK_OF(X509) * chain = nullptr;  // the intermediates after the leaf
  EVP_PKEY* key = nullptr;
  ~Pair() {
    X509_free(leaf);
    sk_X509_pop_free(chain, X509_free);
    EVP_PKEY_free(key);
  }
};

namespace {

absl::Status Bad(const std::string& file, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("TLS: '", file, "': ", why));
}

}  // namespace

CertificateReloader::CertificateReloader(std::string cert_file,
                                         std::string key_file,
                                         absl::Duration interval)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      interval_(interval) {}

CertificateReloader::~CertificateReloader() = default;

absl::StatusOr<std::unique_ptr<CertificateReloader>> CertificateReloader::Open(
    std::string cert_file, std::string key_file, absl::Duration interval) {
  std::unique_ptr<CertificateReloader> self(new CertificateReloader(
      std::move(cert_file), std::move(key_file), interval));
  absl::StatusOr<std::shared_ptr<const Pair>> pair = self->Read();
  if (!pair.ok()) return pair.status();
  absl::MutexLock lock(&self->mu_);
  self->pair_ = *std::move(pair);
  self->stamp_ = self->Stamp();
  self->next_look_ = absl::Now() + interval;
  self->loads_ = 1;
  return self;
}

absl::StatusOr<std::shared_ptr<const CertificateReloader::Pair>>
CertificateReloader::Read() const {
  auto pair = std::make_shared<Pair>();
  FILE* cert = std::fopen(cert_file_.c_str(), "r");
  if (cert == nullptr) return Bad(cert_file_, "cannot be read");
  pair->leaf = PEM_read_X509(cert, nullptr, nullptr, nullptr);
  pair->chain = sk_X509_new_null();
  while (pair->leaf != nullptr && pair->chain != nullptr) {
    X509* next = PEM_read_X509(cert, nullptr, nullptr, nullptr);
    if (next == nullptr) break;
    sk_X509_push(pair->chain, next);
  }
  std::fclose(cert);
  if (pair->leaf == nullptr) return Bad(cert_file_, "no PEM certificate");
  FILE* key = std::fopen(key_file_.c_str(), "r");
  if (key == nullptr) return Bad(key_file_, "cannot be read");
  pair->key = PEM_read_PrivateKey(key, nullptr, nullptr, nullptr);
  std::fclose(key);
  if (pair->key == nullptr) return Bad(key_file_, "no PEM private key");
  if (X509_check_private_key(pair->leaf, pair->key) != 1) {
    return Bad(key_file_, absl::StrCat("does not match the certificate in '",
                                       cert_file_, "'"));
  }
  return std::shared_ptr<const Pair>(std::move(pair));
}

std::string CertificateReloader::Stamp() const {
  std::string stamp;
  for (const std::string* file : {&cert_file_, &key_file_}) {
    struct stat st {};
    if (::stat(file->c_str(), &st) == 0) {
      absl::StrAppend(&stamp, st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec, "/",
                      st.st_size, ";");
    } else {
      absl::StrAppend(&stamp, "missing;");
    }
  }
  return stamp;
}

std::shared_ptr<const CertificateReloader::Pair>
CertificateReloader::Current() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (now >= next_look_) {
    next_look_ = now + interval_;
    const std::string stamp = Stamp();
    if (stamp != stamp_) {
      absl::StatusOr<std::shared_ptr<const Pair>> renewed = Read();
      if (renewed.ok()) {
        pair_ = *std::move(renewed);
        stamp_ = stamp;
        ++loads_;
      } else {
        // Half written, perhaps: the old pair stays; look again next time.
        std::fprintf(stderr, "svledger: HTTP certificate not renewed: %s\n",
                     std::string(renewed.status().message()).c_str());
      }
    }
  }
  return pair_;
}

int CertificateReloader::OnHandshake(SSL* ssl, void* self) {
  std::shared_ptr<const Pair> pair =
      static_cast<CertificateReloader*>(self)->Current();
  return SSL_use_cert_and_key(ssl, pair->leaf, pair->key, pair->chain,
                              /*override=*/1) == 1
             ? 1
             : 0;
}

void CertificateReloader::Install(SSL_CTX& ctx) {
  SSL_CTX_set_cert_cb(&ctx, &CertificateReloader::OnHandshake, this);
}

uint64_t CertificateReloader::loads() const {
  absl::MutexLock lock(&mu_);
  return loads_;
}

}  // namespace svledger::http

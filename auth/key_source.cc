#include "auth/key_source.h"

#include <curl/curl.h>
#include <jansson.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace svledger::auth {
namespace {

struct Body {
  std::string text;
  size_t max;
  bool too_large = false;
};

size_t Write(char* data, size_t size, size_t n, void* user) {
  Body* body = static_cast<Body*>(user);
  if (body->text.size() + size * n > body->max) {
    body->too_large = true;
    return 0;  // aborts the transfer
  }
  body->text.append(data, size * n);
  return size * n;
}

bool LoopbackHttp(absl::string_view url) {
  for (const char* prefix :
       {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    if (absl::StartsWith(url, prefix)) {
      const char next = url.size() > strlen(prefix) ? url[strlen(prefix)] : '/';
      if (next == ':' || next == '/') return true;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<std::string> HttpGet(const std::string& url, size_t max_bytes,
                                    absl::Duration timeout) {
  if (!absl::StartsWith(url, "https://") && !LoopbackHttp(url)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", url, "': keys are fetched over https (http only on loopback)"));
  }
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Body body{"", max_bytes};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  // Loopback is never reached through a proxy; anything else may be (an
  // identity provider behind a council's proxy, from https_proxy).
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,[::1]");
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  if (body.too_large) {
    return absl::UnavailableError(
        absl::StrCat("'", url, "': larger than ", max_bytes, " bytes"));
  }
  if (code != CURLE_OK) {
    return absl::UnavailableError(
        absl::StrCat("'", url, "': ", curl_easy_strerror(code)));
  }
  if (status != 200) {
    return absl::UnavailableError(
        absl::StrCat("'", url, "': HTTP status ", status));
  }
  return std::move(body.text);
}

absl::StatusOr<std::unique_ptr<KeySource>> KeySource::Start(
    KeySourceOptions options) {
  if (options.jwks_file.empty() == options.issuer_url.empty()) {
    return absl::InvalidArgumentError(
        "keys: give exactly one of a JWKS file and an issuer URL");
  }
  std::unique_ptr<KeySource> source(new KeySource(std::move(options)));
  if (absl::Status s = source->RefreshNow(); !s.ok()) return s;
  KeySource* self = source.get();
  source->refresher_ = std::thread([self] { self->Run(); });
  return source;
}

KeySource::~KeySource() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (refresher_.joinable()) refresher_.join();
}

std::shared_ptr<const KeySet> KeySource::Current() const {
  absl::ReaderMutexLock lock(&mu_);
  return keys_;
}

void KeySource::RequestRefresh() {
  absl::MutexLock lock(&mu_);
  requested_ = true;
}

uint64_t KeySource::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

absl::StatusOr<std::string> KeySource::Fetch() const {
  if (!options_.jwks_file.empty()) {
    std::ifstream in(options_.jwks_file, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("keys: cannot read '", options_.jwks_file, "'"));
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  const std::string discovery =
      absl::StrCat(absl::StripSuffix(options_.issuer_url, "/"),
                   "/.well-known/openid-configuration");
  absl::StatusOr<std::string> document =
      HttpGet(discovery, kMaxJwksBytes, options_.fetch_timeout);
  if (!document.ok()) return document.status();
  json_error_t error;
  json_t* root = json_loadb(document->data(), document->size(), 0, &error);
  json_t* uri = root != nullptr ? json_object_get(root, "jwks_uri") : nullptr;
  std::string jwks_uri = json_is_string(uri) ? json_string_value(uri) : "";
  json_decref(root);
  if (jwks_uri.empty()) {
    return absl::UnavailableError(
        absl::StrCat("keys: '", discovery, "' names no jwks_uri"));
  }
  return HttpGet(jwks_uri, kMaxJwksBytes, options_.fetch_timeout);
}

absl::Status KeySource::RefreshNow() {
  absl::StatusOr<std::string> text = Fetch();
  absl::StatusOr<std::shared_ptr<const KeySet>> keys =
      text.ok() ? KeySet::Parse(*text)
                : absl::StatusOr<std::shared_ptr<const KeySet>>(text.status());
  absl::MutexLock lock(&mu_);
  last_load_ = absl::Now();
  if (!keys.ok()) {
    ++failures_;
    return keys.status();
  }
  keys_ = *std::move(keys);
  return absl::OkStatus();
}

void KeySource::Run() {
  auto due = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stop_ ||
           (requested_ && absl::Now() - last_load_ >= options_.min_refresh) ||
           absl::Now() - last_load_ >= options_.refresh;
  };
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes at least every second to look at the clock again.
      mu_.AwaitWithTimeout(absl::Condition(&due), absl::Seconds(1));
      if (stop_) return;
      if (!due()) continue;
      requested_ = false;
    }
    // A failure keeps the current keys (counted in failures()).
    RefreshNow().IgnoreError();
  }
}

}  // namespace svledger::auth

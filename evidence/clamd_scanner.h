#ifndef SVLEDGER_EVIDENCE_CLAMD_SCANNER_H_
#define SVLEDGER_EVIDENCE_CLAMD_SCANNER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "evidence/evidence_store.h"

namespace svledger::evidence {

struct ClamdScannerOptions {
  // Where clamd listens: "unix:/run/clamav/clamd.ctl" (Debian's
  // clamav-daemon) or "host:port" (its TCPSocket). No default.
  std::string address;
  // The longest one scan may take, connecting included; past it the scan
  // is UNAVAILABLE. Default 30 s: clamd scans a 25 MiB PDF in a few.
  absl::Duration timeout = absl::Seconds(30);
};

// Asks ClamAV's daemon about each file with its INSTREAM command (clamd(8):
// "zINSTREAM\0", then chunks each prefixed by its length as four bytes in
// network order, then a zero length; the reply is "stream: OK" or
// "stream: <signature> FOUND"). One connection per scan.
//
// Thread-safe: scans share nothing.
class ClamdScanner final : public Scanner {
 public:
  // INVALID_ARGUMENT for an address of neither form. Does not connect.
  static absl::StatusOr<std::unique_ptr<ClamdScanner>> Create(
      ClamdScannerOptions options);

  // OK for "stream: OK"; INVALID_ARGUMENT "content: the virus scanner
  // found <signature>" for FOUND; UNAVAILABLE naming the address when clamd
  // cannot be reached, times out or answers anything else (its size limit
  // included: StreamMaxLength must be at least the store's max_bytes).
  absl::Status Scan(absl::string_view content) override;

 private:
  explicit ClamdScanner(ClamdScannerOptions options)
      : options_(std::move(options)) {}
  const ClamdScannerOptions options_;
};

}  // namespace svledger::evidence

#endif  // SVLEDGER_EVIDENCE_CLAMD_SCANNER_H_

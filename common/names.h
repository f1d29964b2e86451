#ifndef SVLEDGER_COMMON_NAMES_H_
#define SVLEDGER_COMMON_NAMES_H_

#include "absl/strings/string_view.h"

namespace svledger {

// The characters of every identifier svledger stores or keys on (stream ids,
// event types, contract, commitment, delivery and request ids):
// [A-Za-z0-9._:-]. They are safe in keys, URLs and file names, and never
// contain the 0x00 separator of the log's keys.
inline bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
}

// The offset of the first character that is not a name character, or -1.
inline int FirstNonNameChar(absl::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (!IsNameChar(value[i])) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace svledger

#endif  // SVLEDGER_COMMON_NAMES_H_

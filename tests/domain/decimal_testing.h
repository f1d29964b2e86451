#ifndef SVLEDGER_TESTS_DOMAIN_DECIMAL_TESTING_H_
#define SVLEDGER_TESTS_DOMAIN_DECIMAL_TESTING_H_

#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "domain/decimal.h"

namespace svledger::domain {

// A decimal literal in a test: Dec("0.7"). Aborts on text that is not one.
inline Decimal Dec(absl::string_view text) {
  absl::StatusOr<Decimal> d = Decimal::Parse(text, "test literal");
  if (!d.ok()) {
    std::fprintf(stderr, "%s\n", d.status().ToString().c_str());
    std::abort();
  }
  return *d;
}

// For gtest's messages.
inline void PrintTo(const Decimal& d, std::ostream* os) { *os << d.ToString(); }

}  // namespace svledger::domain

#endif  // SVLEDGER_TESTS_DOMAIN_DECIMAL_TESTING_H_

#ifndef SVLEDGER_APP_CALLER_H_
#define SVLEDGER_APP_CALLER_H_

#include <string>

namespace svledger::app {

// Who sends a command or a query, as a front door established it. The
// application records `actor` on every event the call writes.
struct Caller {
  // Default "anonymous".
  std::string actor = "anonymous";
};

}  // namespace svledger::app

#endif  // SVLEDGER_APP_CALLER_H_

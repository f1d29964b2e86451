#ifndef SVLEDGER_TESTS_EVENTSTORE_TEST_EVENTS_H_
#define SVLEDGER_TESTS_EVENTSTORE_TEST_EVENTS_H_

#include <string>
#include <vector>

#include "common/random.h"
#include "common/uuid.h"
#include "eventstore/event.h"

namespace svledger::eventstore::testing {

// Builds proposed events with fresh random ids from a deterministic source.
class EventFactory {
 public:
  explicit EventFactory(uint64_t seed = 42) : random_(seed) {}

  ProposedEvent Make(std::string type = "Tested",
                     std::string payload = "payload") {
    ProposedEvent e;
    e.id = Uuid::Random(random_);
    e.type = std::move(type);
    e.payload = std::move(payload);
    e.metadata.actor = "tester";
    return e;
  }

  std::vector<ProposedEvent> MakeMany(size_t n,
                                      const std::string& type = "Tested") {
    std::vector<ProposedEvent> out;
    for (size_t i = 0; i < n; ++i)
      out.push_back(Make(type, "p" + std::to_string(i)));
    return out;
  }

 private:
  SeededRandom random_;
};

}  // namespace svledger::eventstore::testing

#endif  // SVLEDGER_TESTS_EVENTSTORE_TEST_EVENTS_H_

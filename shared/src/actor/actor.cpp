// Out-of-line pieces of the typed actor (lit/actor.hpp) that do not depend on
// the chart or payload type.
#include "lit/actor.hpp"

namespace lit::detail {

const char* failure_text(const chart::Machine& machine) {
  switch (machine.failure()) {
    case chart::Failure::none: return "failed";
    case chart::Failure::action: return machine.failure_reason() != nullptr ? machine.failure_reason() : "fail()";
    case chart::Failure::internal_queue_overflow: return "internal event queue overflow";
    case chart::Failure::livelock: return "too many microsteps in one macrostep";
    case chart::Failure::history_memory: return "history memory too small";
    case chart::Failure::reentrant_dispatch: return "re-entrant dispatch";
    case chart::Failure::unknown_event: return "raised an unknown event";
    case chart::Failure::host:
      return machine.failure_reason() != nullptr ? machine.failure_reason() : "host call failed";
  }
  return "failed";
}

}  // namespace lit::detail

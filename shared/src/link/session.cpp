// Compiles the header-only link session into lit_core under the core's strict
// warnings, on the host and for every firmware target: the class and its
// receive/poll templates are instantiated for a 4-frame window with do-nothing
// handler and output types. Holds no state and runs nothing at start-up.
#include "lit/link/session.hpp"

#include <cstdint>
#include <span>

namespace lit::link {

namespace {

struct NullOutput {
  void write(std::span<const std::uint8_t> bytes) { static_cast<void>(bytes); }
};

struct NullHandler {
  bool on_reliable(std::span<const std::uint8_t> body) { return !body.empty(); }
  void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap) {
    static_cast<void>(body);
    static_cast<void>(gap);
  }
  void on_link_up() {}
  void on_link_down() {}
  void on_send_failed(std::uint32_t token) { static_cast<void>(token); }
};

}  // namespace

template class LinkSession<4, kDefaultMaxBody>;
template void LinkSession<4, kDefaultMaxBody>::on_bytes(std::span<const std::uint8_t>, Millis, NullHandler&);
template void LinkSession<4, kDefaultMaxBody>::poll(Millis, NullOutput&, NullHandler&);
template SendResult LinkSession<4, kDefaultMaxBody>::send_best_effort(std::span<const std::uint8_t>,
                                                                      Millis,
                                                                      NullOutput&);

}  // namespace lit::link

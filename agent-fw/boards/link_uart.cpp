// The link UART's rings and counters, the same on every board; see board.hpp
// and link_uart.hpp. The RX ring's producer is the ISR and its consumer
// link_read(); the TX ring's producer is link_write() and its consumer the
// ISR. Each counter is written by the ISR alone.
#include "link_uart.hpp"

#include "board.hpp"
#include "byte_ring.hpp"
#include "registers.hpp"

namespace lit::board {
namespace {

ByteRing<kLinkRxRingSize> rx_ring;
ByteRing<kLinkTxRingSize> tx_ring;
volatile LinkUartCounters counters;
void (*volatile rx_notify)() = nullptr;

}  // namespace

namespace link_isr {

void received(std::uint8_t byte) {
  counters.rx_bytes = counters.rx_bytes + 1U;
  if (!rx_ring.push(byte)) {
    counters.rx_ring_full = counters.rx_ring_full + 1U;
    return;
  }
  if (void (*notify)() = rx_notify) notify();
}

void overrun() { counters.rx_overruns = counters.rx_overruns + 1U; }

bool next_to_send(std::uint8_t& byte) {
  if (!tx_ring.pop(byte)) return false;
  counters.tx_bytes = counters.tx_bytes + 1U;
  return true;
}

bool sending() { return !tx_ring.empty(); }

}  // namespace link_isr

void link_start(std::uint32_t baud) { link_driver::start(baud); }

std::size_t link_read(std::span<std::uint8_t> out) { return rx_ring.pop(out); }

std::size_t link_write(std::span<const std::uint8_t> bytes) {
  const std::size_t accepted = tx_ring.push(bytes);
  if (accepted != 0) link_driver::start_transmitting();
  return accepted;
}

std::size_t link_tx_free() { return tx_ring.free_space(); }

std::size_t link_rx_available() { return rx_ring.size(); }

void link_set_rx_notify(void (*notify)()) { rx_notify = notify; }

LinkUartCounters link_counters() {
  // Mask interrupts for the copy, so the four counters come from one moment.
  const std::uint32_t primask = cortex_m::disable_interrupts();
  LinkUartCounters snapshot;
  snapshot.rx_bytes = counters.rx_bytes;
  snapshot.tx_bytes = counters.tx_bytes;
  snapshot.rx_overruns = counters.rx_overruns;
  snapshot.rx_ring_full = counters.rx_ring_full;
  cortex_m::restore_interrupts(primask);
  return snapshot;
}

}  // namespace lit::board

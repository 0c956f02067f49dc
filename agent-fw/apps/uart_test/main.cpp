// The link UART and reset-record test image, driven by
// agent-fw/tools/uart_echo_test.py over QEMU's second serial port. Each boot
// reports on the console what the previous run left (cause, PC, detail,
// reason, boot count) and its boot entropy, starts the link and then obeys
// one-byte commands from the host on the link:
//   'E' n16  echo the next n bytes back (through link_read/link_write, WFI between)
//   'H' n16  hold: answer 'h', then read nothing until n more bytes have come
//            in, and report what the RX ring kept and what it dropped
//   'C'      report the link counters (and how often the RX notification ran)
//   'F'      fault on purpose (an undefined instruction in uart_test_fault)
//   'B'      a bus fault on purpose (a load from kUnmappedAddress)
//   'R'      reset with ResetCause::commanded
//   'W'      start the watchdog, kick it for a while, then stop kicking
//   'Q'      exit 0
// n16 is little-endian. Replies go back on the link; the console says what
// happened in lines the script matches.
#include <array>
#include <cstdint>
#include <span>

#include "board.hpp"
#include "console.hpp"

namespace {

using lit::port::console;
using lit::port::hex;

// The fault the host asks for: an undefined instruction is a UsageFault,
// escalated to HardFault. Its own function, so the host can find the
// faulting PC in the symbol table.
extern "C" [[gnu::noinline, gnu::used]] void uart_test_fault() { asm volatile("udf #0" ::: "memory"); }

// Bytes the link ISR announced through link_set_rx_notify(): every byte that
// entered the RX ring, and only those.
volatile std::uint32_t notified = 0;
void count_notification() { notified = notified + 1U; }

// Nothing answers here on either emulated board (nor on an STM32F4), so a
// load is a precise BusFault with the address in BFAR.
constexpr std::uintptr_t kUnmappedAddress = 0x7000'0000;

std::uint8_t next_byte() {
  std::uint8_t byte = 0;
  while (lit::board::link_read({&byte, 1}) == 0) lit::board::wait_for_interrupt();
  return byte;
}

std::uint16_t next_u16() {
  const std::uint8_t low = next_byte();
  return static_cast<std::uint16_t>(low | (next_byte() << 8U));
}

void send(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const std::size_t accepted = lit::board::link_write(bytes);
    bytes = bytes.subspan(accepted);
    if (accepted == 0) lit::board::wait_for_interrupt();
  }
}

void send_u32(std::uint32_t value) {
  const std::array<std::uint8_t, 4> bytes = {
      static_cast<std::uint8_t>(value),
      static_cast<std::uint8_t>(value >> 8U),
      static_cast<std::uint8_t>(value >> 16U),
      static_cast<std::uint8_t>(value >> 24U),
  };
  send(bytes);
}

void echo(std::uint32_t count) {
  std::array<std::uint8_t, 128> buffer{};
  while (count != 0) {
    // Never take more than the TX ring can hold, so nothing waits in between.
    std::size_t want = count < buffer.size() ? count : buffer.size();
    const std::size_t room = lit::board::link_tx_free();
    if (room < want) want = room;
    const std::size_t got = lit::board::link_read(std::span(buffer).first(want));
    send(std::span(buffer).first(got));
    count -= static_cast<std::uint32_t>(got);
    if (got == 0) lit::board::wait_for_interrupt();
  }
  console << "echo: " << lit::board::link_counters().tx_bytes << " bytes sent in all\n";
}

void hold(std::uint32_t count) {
  const lit::board::LinkUartCounters before = lit::board::link_counters();
  send(std::array<std::uint8_t, 1>{'h'});
  const std::uint32_t started = lit::board::now_ms();
  while (lit::board::link_counters().rx_bytes - before.rx_bytes < count && lit::board::now_ms() - started < 5000)
    lit::board::wait_for_interrupt();
  const lit::board::LinkUartCounters after = lit::board::link_counters();
  std::array<std::uint8_t, lit::board::kLinkRxRingSize> kept{};
  const std::size_t kept_count = lit::board::link_read(kept);
  console << "hold: received " << after.rx_bytes - before.rx_bytes << " kept " << static_cast<std::uint32_t>(kept_count)
          << " ring_full " << after.rx_ring_full - before.rx_ring_full << " overruns "
          << after.rx_overruns - before.rx_overruns << '\n';
  send(std::array<std::uint8_t, 1>{'k'});
  send_u32(static_cast<std::uint32_t>(kept_count));
  send_u32(after.rx_ring_full - before.rx_ring_full);
  send_u32(after.rx_overruns - before.rx_overruns);
  send(std::span(kept).first(kept_count));
}

void report_counters() {
  const lit::board::LinkUartCounters counters = lit::board::link_counters();
  console << "counters: rx_bytes " << counters.rx_bytes << " tx_bytes " << counters.tx_bytes << " rx_overruns "
          << counters.rx_overruns << " rx_ring_full " << counters.rx_ring_full << " notified " << notified << '\n';
  send(std::array<std::uint8_t, 1>{'c'});
  send_u32(counters.rx_bytes);
  send_u32(counters.tx_bytes);
  send_u32(counters.rx_overruns);
  send_u32(counters.rx_ring_full);
}

// A 1 s watchdog kicked every tick for 2 s, then starved. The margin
// is wide because QEMU's clocks follow the host's, which may stall a while.
void watchdog_test() {
  if (!lit::board::has_watchdog()) {
    console << "watchdog: none on this board\n";
    send(std::array<std::uint8_t, 1>{'w'});
    return;
  }
  constexpr std::uint32_t kTimeoutMs = 1000;
  constexpr std::uint32_t kKickedMs = 2000;
  lit::board::watchdog_start(kTimeoutMs);
  const std::uint32_t started = lit::board::now_ms();
  while (lit::board::now_ms() - started < kKickedMs) {
    lit::board::watchdog_kick();
    lit::board::wait_for_interrupt();
  }
  console << "watchdog: kicked for " << kKickedMs << " ms, now stalling\n";
  for (;;) lit::board::wait_for_interrupt();
}

}  // namespace

int main() {
  lit::board::init();
  const lit::board::ResetRecord last = lit::board::last_reset();
  console << "uart_test on " << lit::board::name() << '\n';
  console << "reset cause=" << lit::board::to_string(last.cause) << " pc=0x" << hex(last.pc, 8) << " detail=0x"
          << hex(last.detail, 8) << " hfsr=0x" << hex(last.hfsr, 8) << " boot=" << last.boot_count << " reason=\""
          << last.reason << "\"\n";
  console << "boot entropy=" << hex(lit::board::boot_entropy(), 16) << '\n';
  lit::board::link_set_rx_notify(count_notification);
  lit::board::link_start(115'200);
  console << "link ready\n";

  for (;;) {
    const std::uint8_t command = next_byte();
    switch (command) {
      case 'E': echo(next_u16()); break;
      case 'H': hold(next_u16()); break;
      case 'C': report_counters(); break;
      case 'F':
        console << "fault: undefined instruction in uart_test_fault\n";
        uart_test_fault();
        break;
      case 'B':
        console << "fault: load from 0x" << hex(kUnmappedAddress, 8) << '\n';
        {
          const std::uint32_t value = *reinterpret_cast<volatile std::uint32_t*>(kUnmappedAddress);
          console << "read 0x" << hex(value, 8) << " without a fault\n";
        }
        break;
      case 'R': lit::board::reset(lit::board::ResetCause::commanded, "reset requested by the host");
      case 'W': watchdog_test(); break;
      case 'Q': console << "uart test: done\n"; lit::board::exit(0);
      default: console << "unknown command 0x" << hex(command, 2) << '\n'; break;
    }
  }
}

// The board facade: the few services the port and the apps ask of whichever
// board the image is built for. Each agent-fw/boards/<board>/ implements all of
// it; nothing above this line touches a register. Call init() once, first thing
// in main(). None of these allocate. The console functions busy-wait on the
// UART and so must not be called from an interrupt handler; the link UART is
// interrupt-driven and never blocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace lit::board {

// The board's name as QEMU and the docs know it, e.g. "mps2-an385".
std::string_view name();
// Clocks, the console UART, the 1 ms SysTick time base, and the reset record
// (last_reset() is valid from here on).
void init();
std::uint32_t core_clock_hz();
// Milliseconds since init(); wraps after about 49 days.
std::uint32_t now_ms();
// Sleeps until the next interrupt (at the latest the next millisecond tick).
void wait_for_interrupt();
// Writes one byte to the console UART, waiting while its buffer is full.
void console_put(char byte);
// Writes text to the console UART, translating "\n" to "\r\n" for terminals.
void console_write(std::string_view text);
// Ends the program with `status`: on an emulated board QEMU exits with it; on
// real hardware the board reports it on the console and sleeps.
[[noreturn]] void exit(int status);
// Reports an unrecoverable error on the console, then exits with kPanicStatus
// (emulated boards) or resets with ResetCause::fatal (real hardware).
[[noreturn]] void panic(const char* reason);

inline constexpr int kPanicStatus = 101;

// ---- link UART ------------------------------------------------------------------
// The second UART, which carries the link to the host (QEMU: the second
// -serial). Interrupt-driven: the ISR moves bytes between the UART and two
// static rings, each a single-producer/single-consumer queue between the ISR
// and the main loop. Call these from the main loop only. Nothing received is
// lost without being counted: a byte the UART dropped is an rx_overrun, a byte
// the full RX ring could not take is an rx_ring_full.
inline constexpr std::size_t kLinkRxRingSize = 512;
inline constexpr std::size_t kLinkTxRingSize = 512;

// Configures the UART (8N1 at `baud`), enables its interrupts and starts receiving.
void link_start(std::uint32_t baud);
// Takes what the RX ring holds (at most out.size() bytes); never blocks.
std::size_t link_read(std::span<std::uint8_t> out);
// Bytes accepted into the TX ring (may be fewer than offered); never blocks.
std::size_t link_write(std::span<const std::uint8_t> bytes);
// Room left in the TX ring.
std::size_t link_tx_free();
// Bytes waiting in the RX ring: what the next link_read() would take, or more.
std::size_t link_rx_available();
// `notify` runs in the link ISR after each received byte enters the RX ring
// (Port::wake, say, so a main loop that checked before the byte came does not
// sleep until the next tick). Must be ISR-safe and short; nullptr removes it.
void link_set_rx_notify(void (*notify)());

struct LinkUartCounters {
  std::uint32_t rx_bytes = 0;      // taken from the UART, whether or not the ring had room
  std::uint32_t tx_bytes = 0;      // handed to the UART
  std::uint32_t rx_overruns = 0;   // the UART reported a byte overwritten before the ISR read it
  std::uint32_t rx_ring_full = 0;  // received bytes dropped because the RX ring was full
};
// A consistent snapshot of the counters since link_start().
LinkUartCounters link_counters();

// ---- resets ---------------------------------------------------------------------
// Why the previous run ended, kept in no-init RAM across a reset.
enum class ResetCause : std::uint8_t { power_on, hard_fault, watchdog, commanded, fatal };
// "power_on", "hard_fault", ...
std::string_view to_string(ResetCause cause);

struct ResetRecord {
  ResetCause cause = ResetCause::power_on;
  std::uint32_t pc = 0;          // hard_fault, watchdog: the interrupted PC; commanded, fatal: reset()'s caller
  std::uint32_t detail = 0;      // hard_fault: CFSR
  char reason[40] = {};          // NUL-terminated
  std::uint32_t boot_count = 0;  // boots since power-on, the current one included (1 after power-on)
  std::uint32_t hfsr = 0;        // hard_fault: HFSR
};
// What the previous run left (read once at init(), then the no-init area is rearmed).
ResetRecord last_reset();
// Records the cause and reason for the next boot's last_reset(), then SYSRESETREQ.
[[noreturn]] void reset(ResetCause cause, const char* reason);
// A 64-bit seed that differs on every boot, also across separate QEMU runs.
std::uint64_t boot_entropy();

// ---- watchdog -------------------------------------------------------------------
// Starts the board's watchdog; without a watchdog_kick() for `timeout_ms` the
// board resets with ResetCause::watchdog. A no-op on a board without one
// (has_watchdog() says which).
void watchdog_start(std::uint32_t timeout_ms);
void watchdog_kick();
bool has_watchdog();

}  // namespace lit::board

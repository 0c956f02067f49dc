// A modelled UART line on virtual time, for tests and benchmarks of the link:
// one direction (UartLine) or a full-duplex pair (UartLink). Bytes are sent 8N1
// (10 bit times each), one behind the other; faults (bit errors, noise bursts,
// dropped and duplicated bytes, an unplugged cable) are drawn from a seeded
// splitmix64, so the same seed and the same calls give the same bytes at the
// same instants. Single-threaded, host-only; time only moves through the
// now_us arguments, which must not go backwards.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "lit/port.hpp"

namespace lit::sim {

constexpr std::uint64_t us_from_ms(Millis ms) { return ms * 1000; }
constexpr Millis ms_from_us(std::uint64_t us) { return us / 1000; }  // the millisecond an instant falls in

struct UartFaults {
  double bit_error_rate = 0;  // each data bit flips with this probability
  double burst_rate = 0;      // bursts per byte; a burst randomises burst_length_bits consecutive bits
  unsigned burst_length_bits = 16;
  double drop_rate = 0;       // per byte: the byte vanishes (its wire time is still spent)
  double duplicate_rate = 0;  // per byte: the byte is delivered twice
};

struct UartCounters {
  std::uint64_t bytes_written = 0;
  std::uint64_t bytes_delivered = 0;  // handed out by read(), duplicates included
  std::uint64_t bits_flipped = 0;     // data bits changed, by bit errors and bursts
  std::uint64_t bursts = 0;
  std::uint64_t bytes_dropped = 0;
  std::uint64_t bytes_duplicated = 0;
  std::uint64_t bytes_lost_unplugged = 0;  // written while unplugged, or on the wire at unplug()
};

class UartLine {
 public:
  UartLine(std::uint32_t baud, std::uint64_t seed, const UartFaults& faults = UartFaults{});

  void set_faults(const UartFaults& faults);
  const UartFaults& faults() const { return faults_; }

  // Queues bytes behind whatever is still on the wire; the first starts at
  // now_us at the earliest.
  void write(std::span<const std::uint8_t> bytes, std::uint64_t now_us);
  // Appends the bytes whose stop bit has arrived by now_us.
  void read(std::uint64_t now_us, std::vector<std::uint8_t>& out);
  // When the next byte's stop bit arrives (rounded up to the microsecond);
  // UINT64_MAX when nothing is on the way.
  std::uint64_t next_arrival_us() const;
  // When the transmitter has clocked out everything written so far.
  std::uint64_t idle_at_us() const { return (wire_free_ns_ + 999) / 1000; }

  // Unplugged, the line loses every byte written and every byte not arrived
  // by now_us; bytes already arrived can still be read.
  void unplug(std::uint64_t now_us);
  void replug();
  bool plugged() const { return plugged_; }

  std::uint32_t baud() const { return baud_; }
  double line_rate_bytes_per_second() const { return baud_ / 10.0; }
  const UartCounters& counters() const { return counters_; }

 private:
  struct InFlight {
    std::uint64_t arrival_ns;
    std::uint8_t byte;
  };

  std::uint64_t next_random();
  double uniform();  // [0, 1)
  // Trials before the next event of probability p (geometric); UINT64_MAX
  // when p is 0.
  std::uint64_t gap(double p);
  std::uint8_t corrupt(std::uint8_t byte);

  std::uint32_t baud_;
  std::uint64_t random_state_;
  UartFaults faults_;
  std::uint64_t wire_free_ns_ = 0;  // when the transmitter finishes its last byte
  std::uint64_t remainder_ = 0;     // sub-nanosecond part of the wire time, in 1/baud ns
  std::uint64_t bits_to_flip_ = 0;  // data bits before the next bit error
  std::uint64_t bytes_to_burst_ = 0;
  std::uint64_t bytes_to_drop_ = 0;
  std::uint64_t bytes_to_duplicate_ = 0;
  std::uint64_t burst_bits_left_ = 0;
  std::deque<InFlight> wire_;
  UartCounters counters_;
  bool plugged_ = true;
};

// Two lines of one cable: a_to_b carries what A writes to B.
struct UartLink {
  UartLink(std::uint32_t baud, std::uint64_t seed, const UartFaults& faults = UartFaults{});
  void set_faults(const UartFaults& faults);
  void unplug(std::uint64_t now_us);
  void replug();

  UartLine a_to_b;
  UartLine b_to_a;
};

}  // namespace lit::sim

// The modelled UART line (uart.hpp). Faults are placed by geometric gaps
// between events rather than a draw per bit, so a clean or lightly noisy line
// costs a few operations per byte.
#include "uart.hpp"

#include <cmath>
#include <limits>

namespace lit::sim {

namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();
constexpr unsigned kBitsPerByteOnWire = 10;  // 8N1: start, 8 data, stop
constexpr unsigned kDataBits = 8;

}  // namespace

UartLine::UartLine(std::uint32_t baud, std::uint64_t seed, const UartFaults& faults)
    : baud_(baud), random_state_(seed) {
  set_faults(faults);
}

void UartLine::set_faults(const UartFaults& faults) {
  faults_ = faults;
  bits_to_flip_ = gap(faults_.bit_error_rate);
  bytes_to_burst_ = gap(faults_.burst_rate);
  bytes_to_drop_ = gap(faults_.drop_rate);
  bytes_to_duplicate_ = gap(faults_.duplicate_rate);
}

std::uint64_t UartLine::next_random() {
  std::uint64_t z = (random_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double UartLine::uniform() { return static_cast<double>(next_random() >> 11) * 0x1.0p-53; }

std::uint64_t UartLine::gap(double p) {
  if (p <= 0) return kNever;
  if (p >= 1) return 0;
  const double trials = std::floor(std::log1p(-uniform()) / std::log1p(-p));
  return trials >= 1e18 ? kNever : static_cast<std::uint64_t>(trials);
}

std::uint8_t UartLine::corrupt(std::uint8_t byte) {
  unsigned value = byte;
  // A burst starts at a random one of this byte's wire bits and randomises
  // the data bits it covers, here and in the bytes after.
  unsigned first_burst_bit = kBitsPerByteOnWire;
  if (bytes_to_burst_ == 0) {
    ++counters_.bursts;
    burst_bits_left_ = faults_.burst_length_bits;
    first_burst_bit = static_cast<unsigned>(next_random() % kBitsPerByteOnWire);
    bytes_to_burst_ = gap(faults_.burst_rate);
  } else if (bytes_to_burst_ != kNever) {
    --bytes_to_burst_;
  }
  if (burst_bits_left_ > 0) {
    const unsigned start = first_burst_bit == kBitsPerByteOnWire ? 0 : first_burst_bit;
    for (unsigned bit = start; bit < kBitsPerByteOnWire && burst_bits_left_ > 0; ++bit, --burst_bits_left_) {
      if (bit == 0 || bit == kBitsPerByteOnWire - 1) continue;  // start and stop bits: not modelled
      if ((next_random() & 1U) != 0) {
        value ^= 1U << (bit - 1);
        ++counters_.bits_flipped;
      }
    }
  }
  // Independent bit errors on the data bits.
  while (bits_to_flip_ < kDataBits) {
    value ^= 1U << bits_to_flip_;
    ++counters_.bits_flipped;
    const std::uint64_t next = gap(faults_.bit_error_rate);
    bits_to_flip_ = next == kNever ? kNever : bits_to_flip_ + 1 + next;
  }
  if (bits_to_flip_ != kNever) bits_to_flip_ -= kDataBits;
  return static_cast<std::uint8_t>(value);
}

void UartLine::write(std::span<const std::uint8_t> bytes, std::uint64_t now_us) {
  const std::uint64_t now_ns = now_us * 1000;
  if (wire_free_ns_ < now_ns) {
    wire_free_ns_ = now_ns;
    remainder_ = 0;
  }
  for (const std::uint8_t byte : bytes) {
    // 10 bit times of 1e9 / baud ns, kept exact with a remainder.
    const std::uint64_t numerator = std::uint64_t{kBitsPerByteOnWire} * 1'000'000'000ULL + remainder_;
    wire_free_ns_ += numerator / baud_;
    remainder_ = numerator % baud_;
    ++counters_.bytes_written;
    const std::uint8_t received = corrupt(byte);
    if (!plugged_) {
      ++counters_.bytes_lost_unplugged;
      continue;
    }
    const bool drop = bytes_to_drop_ == 0;
    bytes_to_drop_ = drop ? gap(faults_.drop_rate) : (bytes_to_drop_ == kNever ? kNever : bytes_to_drop_ - 1);
    if (drop) {
      ++counters_.bytes_dropped;
      continue;
    }
    wire_.push_back(InFlight{wire_free_ns_, received});
    const bool duplicate = bytes_to_duplicate_ == 0;
    bytes_to_duplicate_ =
        duplicate ? gap(faults_.duplicate_rate) : (bytes_to_duplicate_ == kNever ? kNever : bytes_to_duplicate_ - 1);
    if (duplicate) {
      ++counters_.bytes_duplicated;
      wire_.push_back(InFlight{wire_free_ns_, received});
    }
  }
}

void UartLine::read(std::uint64_t now_us, std::vector<std::uint8_t>& out) {
  const std::uint64_t now_ns = now_us * 1000;
  while (!wire_.empty() && wire_.front().arrival_ns <= now_ns) {
    out.push_back(wire_.front().byte);
    wire_.pop_front();
    ++counters_.bytes_delivered;
  }
}

std::uint64_t UartLine::next_arrival_us() const {
  if (wire_.empty()) return kNever;
  return (wire_.front().arrival_ns + 999) / 1000;
}

void UartLine::unplug(std::uint64_t now_us) {
  plugged_ = false;
  const std::uint64_t now_ns = now_us * 1000;
  while (!wire_.empty() && wire_.back().arrival_ns > now_ns) {
    wire_.pop_back();
    ++counters_.bytes_lost_unplugged;
  }
}

void UartLine::replug() { plugged_ = true; }

UartLink::UartLink(std::uint32_t baud, std::uint64_t seed, const UartFaults& faults)
    : a_to_b(baud, seed * 2 + 1, faults), b_to_a(baud, seed * 2 + 2, faults) {}

void UartLink::set_faults(const UartFaults& faults) {
  a_to_b.set_faults(faults);
  b_to_a.set_faults(faults);
}

void UartLink::unplug(std::uint64_t now_us) {
  a_to_b.unplug(now_us);
  b_to_a.unplug(now_us);
}

void UartLink::replug() {
  a_to_b.replug();
  b_to_a.replug();
}

}  // namespace lit::sim

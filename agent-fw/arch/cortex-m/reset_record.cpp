// The reset record in no-init RAM; see reset_record.hpp.
#include "reset_record.hpp"

#include <cstddef>

#include "registers.hpp"

namespace lit::cortex_m::reset_record {
namespace {

constexpr std::uint32_t kMagic = 0x4C49'5452U;  // "LITR"
constexpr std::size_t kReasonSize = sizeof(board::ResetRecord::reason);

// The no-init image of a record: plain words, no initialisers, so the object
// stays in .noinit instead of being moved to .data.
enum class State : std::uint32_t { armed = 0x41524D44U, recorded = 0x52454344U };
struct Stored {
  std::uint32_t magic;
  State state;
  std::uint32_t cause;
  std::uint32_t pc;
  std::uint32_t detail;
  std::uint32_t hfsr;
  std::uint32_t boot_count;
  char reason[kReasonSize];
  std::uint32_t checksum;  // FNV-1a over everything above
};

[[gnu::section(".noinit")]] volatile Stored stored;

board::ResetRecord previous;
std::uint32_t this_boot = 1;

std::uint32_t checksum_of(const volatile Stored& record) {
  std::uint32_t hash = 0x811C9DC5U;
  const auto* bytes = reinterpret_cast<const volatile std::uint8_t*>(&record);
  for (std::size_t i = 0; i < offsetof(Stored, checksum); ++i) hash = (hash ^ bytes[i]) * 0x0100'0193U;
  return hash;
}

void write(State state, const board::ResetRecord& record) {
  stored.magic = kMagic;
  stored.state = state;
  stored.cause = static_cast<std::uint32_t>(record.cause);
  stored.pc = record.pc;
  stored.detail = record.detail;
  stored.hfsr = record.hfsr;
  stored.boot_count = this_boot;
  for (std::size_t i = 0; i < kReasonSize; ++i) stored.reason[i] = record.reason[i];
  stored.reason[kReasonSize - 1] = '\0';
  stored.checksum = checksum_of(stored);
}

bool valid() {
  return stored.magic == kMagic && stored.checksum == checksum_of(stored) &&
         (stored.state == State::armed || stored.state == State::recorded) &&
         stored.cause <= static_cast<std::uint32_t>(board::ResetCause::fatal);
}

}  // namespace

void capture(board::ResetCause unrecorded_cause, const char* unrecorded_reason) {
  previous = board::ResetRecord{};
  if (!valid()) {
    this_boot = 1;
    set_reason(previous, "power on");
  } else {
    this_boot = stored.boot_count + 1U;
    if (stored.state == State::recorded) {
      previous.cause = static_cast<board::ResetCause>(stored.cause);
      previous.pc = stored.pc;
      previous.detail = stored.detail;
      previous.hfsr = stored.hfsr;
      for (std::size_t i = 0; i < kReasonSize; ++i) previous.reason[i] = stored.reason[i];
    } else {
      previous.cause = unrecorded_cause;
      set_reason(previous, unrecorded_reason);
    }
  }
  previous.boot_count = this_boot;
  write(State::armed, board::ResetRecord{});
}

const board::ResetRecord& last() { return previous; }

std::uint32_t boot_count() { return this_boot; }

void reset(const board::ResetRecord& record) {
  write(State::recorded, record);
  system_reset();
}

void set_reason(board::ResetRecord& record, const char* reason) {
  std::size_t i = 0;
  for (; reason != nullptr && reason[i] != '\0' && i + 1 < kReasonSize; ++i) record.reason[i] = reason[i];
  for (; i < kReasonSize; ++i) record.reason[i] = '\0';
}

void system_reset() {
  asm volatile("dsb" ::: "memory");
  reg(scb::kAircr) = scb::kAircrVectKey | (reg(scb::kAircr) & scb::kAircrPriorityGroup) | scb::kAircrSysResetReq;
  asm volatile("dsb" ::: "memory");
  for (;;) {
    // The reset takes a few cycles to arrive.
  }
}

}  // namespace lit::cortex_m::reset_record

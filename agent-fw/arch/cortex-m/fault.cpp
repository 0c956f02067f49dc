// HardFault: record the faulting PC, CFSR and HFSR, then reset; see fault.hpp.
// MemManage, BusFault and UsageFault stay disabled, so every fault escalates
// here and CFSR says which it was.
#include "fault.hpp"

#include "registers.hpp"
#include "reset_record.hpp"

namespace lit::cortex_m::fault {
namespace {

// Appends `value` as eight hex digits.
char* put_hex(char* out, std::uint32_t value) {
  for (int shift = 28; shift >= 0; shift -= 4) out[7 - shift / 4] = "0123456789abcdef"[(value >> shift) & 0xFU];
  return out + 8;
}

char* put_text(char* out, const char* text) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

}  // namespace

void reset_from_frame(const std::uint32_t* frame, board::ResetCause cause, std::uint32_t detail, const char* reason) {
  reset_record::reset(cause, frame[kFramePc], detail, reason);
}

[[noreturn]] void hard_fault(const std::uint32_t* frame) {
  const std::uint32_t cfsr = reg(scb::kCfsr);
  // "hard fault HFSR xxxxxxxx BFAR xxxxxxxx": 38 characters, within the record's 40.
  char reason[40] = {};
  char* end = put_hex(put_text(reason, "hard fault HFSR "), reg(scb::kHfsr));
  if ((cfsr & scb::kCfsrBfarValid) != 0) {
    put_hex(put_text(end, " BFAR "), reg(scb::kBfar));
  } else if ((cfsr & scb::kCfsrMmarValid) != 0) {
    put_hex(put_text(end, " MMFAR "), reg(scb::kMmfar));
  }
  reset_from_frame(frame, board::ResetCause::hard_fault, cfsr, reason);
}

}  // namespace lit::cortex_m::fault

extern "C" [[noreturn, gnu::used]] void lit_hard_fault(const std::uint32_t* frame) {
  lit::cortex_m::fault::hard_fault(frame);
}

LIT_EXCEPTION_FRAME_HANDLER(HardFault_Handler, lit_hard_fault)

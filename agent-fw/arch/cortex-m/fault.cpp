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

void reset_from_frame(const std::uint32_t* frame, board::ResetRecord record) {
  record.pc = frame[kFramePc];
  reset_record::reset(record);
}

[[noreturn]] void hard_fault(const std::uint32_t* frame) {
  board::ResetRecord record;
  record.cause = board::ResetCause::hard_fault;
  record.detail = reg(scb::kCfsr);
  record.hfsr = reg(scb::kHfsr);
  // "hard fault HFSR xxxxxxxx MMFAR xxxxxxxx": 39 characters and the NUL fill the 40.
  static_assert(sizeof(record.reason) >= 40);
  char* end = put_hex(put_text(record.reason, "hard fault HFSR "), record.hfsr);
  if ((record.detail & scb::kCfsrBfarValid) != 0) {
    put_hex(put_text(end, " BFAR "), reg(scb::kBfar));
  } else if ((record.detail & scb::kCfsrMmarValid) != 0) {
    put_hex(put_text(end, " MMFAR "), reg(scb::kMmfar));
  }
  reset_from_frame(frame, record);
}

}  // namespace lit::cortex_m::fault

extern "C" [[noreturn, gnu::used]] void lit_hard_fault(const std::uint32_t* frame) {
  lit::cortex_m::fault::hard_fault(frame);
}

LIT_EXCEPTION_FRAME_HANDLER(HardFault_Handler, lit_hard_fault)

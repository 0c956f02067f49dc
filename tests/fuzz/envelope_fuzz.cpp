// libFuzzer target for the wire schema: arbitrary bytes as an Envelope, decoded
// by nanopb (as the device does, into its one static struct) and by
// libprotobuf (as the host does). Neither may crash, read out of bounds or
// leak. What nanopb accepts is re-encoded into a worst-case-sized buffer; it
// may not fit (an out-of-range enum is a 10-byte varint), but must not overrun.
#include <pb_decode.h>
#include <pb_encode.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "lit.nanopb.h"
#include "lit.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  lit_wire_Envelope device = lit_wire_Envelope_init_zero;
  pb_istream_t in = pb_istream_from_buffer(data, size);
  if (pb_decode(&in, lit_wire_Envelope_fields, &device)) {
    std::array<pb_byte_t, lit_wire_Envelope_size> buffer{};
    pb_ostream_t out = pb_ostream_from_buffer(buffer.data(), buffer.size());
    (void)pb_encode(&out, lit_wire_Envelope_fields, &device);
  }

  lit::wire::Envelope host;
  if (host.ParseFromArray(data, static_cast<int>(size))) {
    (void)host.ByteSizeLong();
  }
  return 0;
}

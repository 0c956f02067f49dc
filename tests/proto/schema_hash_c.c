/* The device side's view of the schema hash: compiled as C, like the nanopb
   code and the firmware, so the test can check that C and C++ see one value. */
#include <stdint.h>

#include "lit.nanopb.h"
#include "lit_schema_hash.h"

uint64_t lit_schema_hash_from_c(void) { return LIT_SCHEMA_HASH; }

/* The envelope struct C code gets is the one the test decodes into. */
size_t lit_envelope_size_from_c(void) { return sizeof(lit_wire_Envelope); }

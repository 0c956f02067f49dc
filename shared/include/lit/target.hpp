// What the shared core is built for, where that changes a size: on a
// Cortex-M a chart's state set is 32 bits, mailbox ring indices a byte and
// there is no cache line to pad to (chart/types.hpp, mailbox.hpp), and an
// image has one scheduler (LIT_SINGLE_LOOP, scheduler.hpp). Each of those has
// its own macro to choose otherwise.
#pragma once

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
#define LIT_CORTEX_M 1
#else
#define LIT_CORTEX_M 0
#endif

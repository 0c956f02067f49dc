// The C and C++ runtime hooks a -fno-exceptions, -fno-rtti, heap-free image can
// still reference, all routed to lit::board::panic(). Defining them here keeps
// the library versions out of the link: newlib's abort() raises a signal, and
// its signal table is allocated with malloc, which would break the no-heap rule
// that agent-fw/tools/check_no_heap.py enforces.
#include <cstddef>

#include "board.hpp"

extern "C" {

void abort() { lit::board::panic("abort"); }

// A pure virtual function was called through a vtable under construction or destruction.
void __cxa_pure_virtual() { lit::board::panic("pure virtual call"); }
void __cxa_deleted_virtual() { lit::board::panic("deleted virtual call"); }

// Function-local statics are built without guards (-fno-threadsafe-statics),
// and no destructor is ever registered (-fno-use-cxa-atexit, and firmware never
// returns from main into exit()), so the guard and atexit ABI stays unused.
void* __dso_handle = nullptr;

}  // extern "C"

// With -fno-exceptions, the standard library reports a violated precondition
// (std::string_view::substr past the end, std::array::at, ...) by calling these.
// libstdc++'s own versions format a message and call abort(); ours panic at once.
namespace std {
void __throw_bad_alloc() { lit::board::panic("std::bad_alloc"); }
void __throw_bad_array_new_length() { lit::board::panic("std::bad_array_new_length"); }
void __throw_bad_function_call() { lit::board::panic("std::bad_function_call"); }
void __throw_length_error(const char*) { lit::board::panic("std::length_error"); }
void __throw_logic_error(const char*) { lit::board::panic("std::logic_error"); }
void __throw_invalid_argument(const char*) { lit::board::panic("std::invalid_argument"); }
void __throw_out_of_range(const char*) { lit::board::panic("std::out_of_range"); }
void __throw_out_of_range_fmt(const char*, ...) { lit::board::panic("std::out_of_range"); }
}  // namespace std

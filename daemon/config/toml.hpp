// The one include of toml++ in daemon/config, so every file compiles it the
// same way: header-only (Debian's shared libtomlplusplus is built with
// exceptions), TOML_EXCEPTIONS=0 so parse errors are values, and its internal
// assertions off. toml++ 3.3 asserts (or, under NDEBUG, assumes) a table
// header's key starts with a key character, which `[:a]` breaks (fixed
// upstream, marzer/tomlplusplus#301); with them off its parser reports the
// error instead of aborting or invoking undefined behaviour.
#pragma once

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ASSERT(expr) static_assert(true)
#pragma push_macro("NDEBUG")
#undef NDEBUG  // TOML_ASSERT_ASSUME is TOML_ASSERT without NDEBUG, __builtin_assume with it
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")

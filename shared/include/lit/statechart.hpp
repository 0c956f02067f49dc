// Statecharts for lit-bit: W3C SCXML semantics (run-to-completion macrosteps,
// hierarchy, parallel regions, history, done events, eventless transitions)
// plus after() timers, deferral and invoked activities. Define a chart with the
// DSL in chart/dsl.hpp, run it with chart::Instance or chart::Machine.
// The core never allocates, throws or uses RTTI; see docs/architecture.md.
#pragma once

#include "lit/chart/dsl.hpp"      // IWYU pragma: export
#include "lit/chart/machine.hpp"  // IWYU pragma: export
#include "lit/chart/table.hpp"    // IWYU pragma: export

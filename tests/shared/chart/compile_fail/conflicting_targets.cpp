// Targets that cannot be active together (siblings of one compound state) are refused.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
constexpr auto chart = lit::chart::define<Empty>(
    "conflicting_targets",
    initial("idle"),
#ifndef LIT_CONTROL
    state("idle", on("go").to("a1", "a2")),
#else
    state("idle", on("go").to("a1", "b1")),
#endif
    parallel("p", state("a", initial("a1"), state("a1"), state("a2")), state("b", initial("b1"), state("b1"))));
int main() { return chart.table().state_count == 0; }

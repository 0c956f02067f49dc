// Final states have no outgoing transitions.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
constexpr auto chart = lit::chart::define<Empty>("transition_from_final",
                                                 initial("a"),
                                                 state("a", on("stop").to("done")),
#ifndef LIT_CONTROL
                                                 final("done", on("again").to("a")));
#else
                                                 final("done"));
#endif
int main() { return chart.table().state_count == 0; }

// A transition to a state that does not exist is a compile error.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
constexpr auto chart = lit::chart::define<Empty>("unknown_target",
                                                 initial("a"),
#ifndef LIT_CONTROL
                                                 state("a", on("go").to("nowhere")),
#else
                                                 state("a", on("go").to("b")),
#endif
                                                 state("b"));
int main() { return chart.table().state_count == 0; }

// A compound state must name its initial state.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
constexpr auto chart = lit::chart::define<Empty>("missing_initial",
                                                 initial("a"),
#ifndef LIT_CONTROL
                                                 state("a", state("a1"), state("a2")));
#else
                                                 state("a", initial("a2"), state("a1"), state("a2")));
#endif
int main() { return chart.table().state_count == 0; }

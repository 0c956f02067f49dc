// Two states with one id is a compile error.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
constexpr auto chart = lit::chart::define<Empty>("duplicate_name",
                                                 initial("a"),
                                                 state("a", initial("x"), state("x")),
#ifndef LIT_CONTROL
                                                 state("b", initial("x"), state("x")));
#else
                                                 state("b", initial("y"), state("y")));
#endif
int main() { return chart.table().state_count == 0; }

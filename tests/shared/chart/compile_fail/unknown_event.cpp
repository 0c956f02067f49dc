// Looking up an event the chart does not know is a compile error.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
constexpr auto chart = lit::chart::define<Empty>("unknown_event", initial("a"), state("a", on("go").to("a")));
#ifndef LIT_CONTROL
constexpr auto id = chart.event("stop");
#else
constexpr auto id = chart.event("go");
#endif
int main() { return id; }

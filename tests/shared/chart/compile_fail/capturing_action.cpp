// Actions live in flash as plain function pointers: a capturing lambda is refused.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Counter {
  int value;
};
#ifndef LIT_CONTROL
inline int outside = 0;
constexpr auto chart = lit::chart::define<Counter>(
    "capturing_action", initial("a"), state("a", on("go").then([&x = outside](Counter&) { ++x; })));
#else
constexpr auto chart = lit::chart::define<Counter>(
    "capturing_action", initial("a"), state("a", on("go").then([](Counter& c) { ++c.value; })));
#endif
int main() { return chart.table().state_count == 0; }

// A guard must answer at once: a guard returning a pending result is refused.
#include "lit/statechart.hpp"
using namespace lit::chart::dsl;
struct Empty {};
template <class T>
struct Pending {  // what an asynchronous predicate would hand back
  T value;
};
constexpr auto chart =
    lit::chart::define<Empty>("async_guard",
                              initial("a"),
#ifndef LIT_CONTROL
                              state("a", on("go").to("b").when([](const Empty&) { return Pending<bool>{true}; })),
#else
                              state("a", on("go").to("b").when([](const Empty&) { return true; })),
#endif
                              state("b"));
// The guard's result type is checked when define() takes its address, so the
// chart need not run for the refusal to show.
int main() { return chart.table().state_count == 0; }

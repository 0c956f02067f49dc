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
int main() {
  Empty context;
  struct : lit::chart::Host {
    void arm_timer(lit::chart::Machine&, std::uint16_t, std::uint32_t) override {}
    void cancel_timer(lit::chart::Machine&, std::uint16_t) override {}
    void send_after(lit::chart::Machine&, lit::chart::EventId, std::uint32_t) override {}
    bool defer(lit::chart::Machine&, const lit::chart::Event&) override { return false; }
    void recall(lit::chart::Machine&) override {}
    void start_activity(lit::chart::Machine&, std::uint16_t) override {}
    void cancel_activity(lit::chart::Machine&, std::uint16_t) override {}
    void log(lit::chart::Machine&, std::string_view, std::string_view) override {}
    void trace(lit::chart::Machine&, lit::chart::TraceRecord) override {}
  } host;
  lit::chart::Instance<chart> machine(context, host);
  return machine.start() == lit::chart::Outcome::handled ? 0 : 1;
}

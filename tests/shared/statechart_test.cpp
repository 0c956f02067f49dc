#include <gtest/gtest.h>

#include <chrono>

#include "lit/chart/dsl.hpp"

using namespace std::chrono_literals;
using namespace lit::chart::dsl;

namespace {
struct Lamp {
  int on_count = 0;
};

struct NullHost final : lit::chart::Host {
  void arm_timer(lit::chart::Machine&, std::uint16_t, std::uint32_t) override {}
  void cancel_timer(lit::chart::Machine&, std::uint16_t) override {}
  void send_after(lit::chart::Machine&, lit::chart::EventId, std::uint32_t) override {}
  bool defer(lit::chart::Machine&, const lit::chart::Event&) override { return false; }
  void recall(lit::chart::Machine&) override {}
  void start_activity(lit::chart::Machine&, std::uint16_t) override {}
  void cancel_activity(lit::chart::Machine&, std::uint16_t) override {}
  void log(lit::chart::Machine&, std::string_view, std::string_view) override {}
  void trace(lit::chart::Machine&, lit::chart::TraceRecord) override {}
};

constexpr auto lamp = lit::chart::define<Lamp>("lamp",
    initial("off"),
    state("off", on("power").to("on")),
    state("on", initial("dim"),
          entry([](Lamp& l) { ++l.on_count; }),
          on("power").to("off"),
          state("dim", on("up").to("bright")),
          state("bright", after(500ms).to("dim")),
          shallow_history("h", "dim")));
}  // namespace

TEST(Smoke, lamp_turns_on) {
  Lamp ctx;
  NullHost host;
  lit::chart::Instance<lamp> m(ctx, host);
  EXPECT_EQ(m.start(), lit::chart::Outcome::handled);
  EXPECT_TRUE(m.is_in(lamp.state("off")));
  EXPECT_EQ(m.dispatch(lamp.event("power")), lit::chart::Outcome::handled);
  EXPECT_TRUE(m.is_in(lamp.state("dim")));
  EXPECT_EQ(ctx.on_count, 1);
}

// Mailboxes through the actor API: what a send returns (ok, full, dead,
// invalid_event), the three overflow policies with their per-actor counters
// and which messages survive, the remote (MPSC) inbox used by lit::post and by
// sends across loops, and that sending allocates nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

#include "lit/runtime.hpp"
#include "sim/sim_port.hpp"

// Counts heap allocations while `counting` is set, to show that sends and the
// scheduler's loop never allocate.
namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

void* counted_allocation(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  void* const memory = std::malloc(size != 0 ? size : 1);
  if (memory == nullptr) throw std::bad_alloc();
  return memory;
}
}  // namespace

void* operator new(std::size_t size) { return counted_allocation(size); }
void* operator new[](std::size_t size) { return counted_allocation(size); }
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }

namespace {

using namespace lit::chart::dsl;
using lit::Overflow;
using lit::SendResult;

struct Item {
  int value = 0;
};

// Records the payload of every "item" it handles (fixed storage: a context
// must not need its destructor to run for the test to be leak-free).
struct Sink {
  std::array<int, 64> values{};
  std::size_t count = 0;
  std::vector<int> seen() const { return {values.begin(), values.begin() + static_cast<std::ptrdiff_t>(count)}; }
};

constexpr auto sink_chart = lit::chart::define<Sink>("sink",
                                                     initial("open"),
                                                     state("open",
                                                           on("item").then([](Sink& sink, lit::chart::Step& step) {
                                                             if (sink.count < sink.values.size())
                                                               sink.values[sink.count++] =
                                                                   static_cast<const Item*>(step.event().data)->value;
                                                           }),
                                                           on("close").to("closed")),
                                                     final("closed"));

constexpr lit::chart::EventId kItem = sink_chart.event("item");
constexpr lit::chart::EventId kClose = sink_chart.event("close");
constexpr auto kOutside = static_cast<lit::chart::EventId>(lit::chart::table_of<sink_chart>.event_count);

template <Overflow Policy, std::uint16_t Remote = 0>
using SinkActor =
    lit::Actor<sink_chart, lit::MailboxConfig{.capacity = 4, .overflow = Policy, .remote_capacity = Remote}, Item>;

// One simulated loop.
struct Loop {
  explicit Loop(std::uint8_t id = 0) : scheduler(port, {.watches = watches}, {.fairness = 64, .loop_id = id}) {
    port.attach(scheduler);
  }
  void start(lit::ActorCore& actor) {
    lit::Reason failure;
    ASSERT_TRUE(scheduler.start(actor, nullptr, failure)) << failure.text;
  }
  lit::sim::SimPort port{1};
  std::array<lit::Watch, 4> watches{};
  lit::Scheduler scheduler;
};

template <class A>
std::vector<SendResult> send_values(lit::Scheduler& scheduler, const A& actor, int first, int last) {
  std::vector<SendResult> results;
  for (int value = first; value <= last; ++value)
    results.push_back(scheduler.send(actor.address(), kItem, Item{value}));
  return results;
}

template <class A>
std::vector<SendResult> post_values(const A& actor, int first, int last) {
  std::vector<SendResult> results;
  for (int value = first; value <= last; ++value) results.push_back(lit::post(actor.address(), kItem, Item{value}));
  return results;
}

constexpr SendResult ok = SendResult::ok;
constexpr SendResult full = SendResult::full;

// ---- what a send returns ---------------------------------------------------------

TEST(Mailbox, send_to_live_actor_returns_ok_and_is_delivered_in_order) {
  Loop loop;
  SinkActor<Overflow::reject> sink;
  loop.start(sink);
  EXPECT_EQ(send_values(loop.scheduler, sink, 1, 3), (std::vector<SendResult>{ok, ok, ok}));
  EXPECT_EQ(sink.queue_depth(), 3U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.queue_depth(), 0U);
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3}));
}

TEST(Mailbox, send_to_null_address_returns_dead) {
  Loop loop;
  EXPECT_EQ(loop.scheduler.send(lit::Address<Item>{}, kItem, Item{1}), SendResult::dead);
  EXPECT_EQ(lit::post(lit::Address<Item>{}, kItem, Item{1}), SendResult::dead);
}

TEST(Mailbox, send_to_never_started_actor_returns_dead) {
  Loop loop;
  SinkActor<Overflow::reject, 4> sink;
  EXPECT_EQ(loop.scheduler.send(sink.address(), kItem, Item{1}), SendResult::dead);
  EXPECT_EQ(lit::post(sink.address(), kItem, Item{1}), SendResult::dead);  // no loop to wake yet
}

TEST(Mailbox, send_to_stopped_actor_returns_dead) {
  Loop loop;
  SinkActor<Overflow::reject> sink;
  loop.start(sink);
  const auto address = sink.address();
  loop.scheduler.stop(sink, lit::Reason::shutdown());
  EXPECT_EQ(loop.scheduler.send(address, kItem, Item{1}), SendResult::dead);
}

TEST(Mailbox, send_to_actor_whose_chart_finished_returns_dead) {
  Loop loop;
  SinkActor<Overflow::reject> sink;
  loop.start(sink);
  const auto address = sink.address();
  EXPECT_EQ(loop.scheduler.send(address, kClose, Item{}), ok);
  loop.port.run_until_idle();
  EXPECT_FALSE(sink.alive());
  EXPECT_EQ(loop.scheduler.send(address, kItem, Item{1}), SendResult::dead);
}

TEST(Mailbox, send_to_restarted_actor_returns_dead) {
  Loop loop;
  SinkActor<Overflow::reject> sink;
  loop.start(sink);
  const auto old_address = sink.address();
  loop.scheduler.stop(sink, lit::Reason::shutdown());
  loop.start(sink);
  EXPECT_NE(sink.address(), old_address);
  EXPECT_EQ(loop.scheduler.send(old_address, kItem, Item{7}), SendResult::dead);
  EXPECT_EQ(loop.scheduler.send(sink.address(), kItem, Item{8}), ok);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{8}));
}

TEST(Mailbox, send_of_event_outside_receivers_chart_returns_invalid_event) {
  Loop loop;
  SinkActor<Overflow::reject, 4> sink;
  loop.start(sink);
  EXPECT_EQ(loop.scheduler.send(sink.address(), kOutside, Item{1}), SendResult::invalid_event);
  EXPECT_EQ(loop.scheduler.send(sink.address(), lit::chart::kNone, Item{1}), SendResult::invalid_event);
  EXPECT_EQ(lit::post(sink.address(), kOutside, Item{1}), SendResult::invalid_event);
  EXPECT_EQ(sink.queue_depth(), 0U);
  EXPECT_FALSE(loop.scheduler.has_ready());
  EXPECT_EQ(sink.overflow_count(), 0U);
}

// ---- overflow policies on the local ring -------------------------------------------

TEST(Mailbox, reject_policy_returns_full_and_keeps_the_queued_messages) {
  Loop loop;
  SinkActor<Overflow::reject> sink;
  loop.start(sink);
  EXPECT_EQ(send_values(loop.scheduler, sink, 1, 6), (std::vector<SendResult>{ok, ok, ok, ok, full, full}));
  EXPECT_EQ(sink.overflow_count(), 2U);
  EXPECT_EQ(sink.queue_depth(), 4U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4}));
  // Room again: the sender may retry.
  EXPECT_EQ(loop.scheduler.send(sink.address(), kItem, Item{5}), ok);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sink.overflow_count(), 2U);
}

TEST(Mailbox, drop_oldest_policy_returns_ok_and_drops_the_oldest_messages) {
  Loop loop;
  SinkActor<Overflow::drop_oldest> sink;
  loop.start(sink);
  EXPECT_EQ(send_values(loop.scheduler, sink, 1, 7), (std::vector<SendResult>{ok, ok, ok, ok, ok, ok, ok}));
  EXPECT_EQ(sink.overflow_count(), 3U);
  EXPECT_EQ(sink.queue_depth(), 4U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{4, 5, 6, 7}));
}

TEST(Mailbox, drop_newest_policy_returns_full_and_drops_the_new_messages) {
  Loop loop;
  SinkActor<Overflow::drop_newest> sink;
  loop.start(sink);
  EXPECT_EQ(send_values(loop.scheduler, sink, 1, 7), (std::vector<SendResult>{ok, ok, ok, ok, full, full, full}));
  EXPECT_EQ(sink.overflow_count(), 3U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4}));
}

TEST(Mailbox, drop_oldest_keeps_order_across_ring_wraparound) {
  Loop loop;
  SinkActor<Overflow::drop_oldest> sink;
  loop.start(sink);
  send_values(loop.scheduler, sink, 1, 3);
  loop.port.run_until_idle();  // head now in the middle of the ring
  send_values(loop.scheduler, sink, 4, 10);
  EXPECT_EQ(sink.overflow_count(), 3U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 7, 8, 9, 10}));
}

TEST(Mailbox, overflow_is_counted_per_actor) {
  Loop loop;
  SinkActor<Overflow::reject> first;
  SinkActor<Overflow::drop_oldest> second;
  loop.start(first);
  loop.start(second);
  send_values(loop.scheduler, first, 1, 5);
  send_values(loop.scheduler, second, 1, 8);
  EXPECT_EQ(first.overflow_count(), 1U);
  EXPECT_EQ(second.overflow_count(), 4U);
  loop.port.run_until_idle();
  send_values(loop.scheduler, first, 1, 6);
  EXPECT_EQ(first.overflow_count(), 3U);  // counts accumulate
  EXPECT_EQ(second.overflow_count(), 4U);
}

// ---- the remote (MPSC) inbox ----------------------------------------------------------

TEST(Mailbox, post_reaches_actor_through_its_remote_inbox_and_wakes_the_loop_once) {
  Loop loop;
  SinkActor<Overflow::reject, 8> sink;
  loop.start(sink);
  const std::uint64_t wakeups = loop.port.wakeups();
  EXPECT_EQ(post_values(sink, 1, 5), (std::vector<SendResult>{ok, ok, ok, ok, ok}));
  EXPECT_EQ(sink.queue_depth(), 0U);  // the local ring is untouched
  EXPECT_TRUE(loop.scheduler.has_ready());
  EXPECT_EQ(loop.port.wakeups(), wakeups + 1);  // coalesced
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4, 5}));
  post_values(sink, 6, 6);  // drained, so the next post signals again
  EXPECT_EQ(loop.port.wakeups(), wakeups + 2);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
}

TEST(Mailbox, remote_reject_policy_returns_full_and_counts) {
  Loop loop;
  SinkActor<Overflow::reject, 4> sink;
  loop.start(sink);
  EXPECT_EQ(post_values(sink, 1, 6), (std::vector<SendResult>{ok, ok, ok, ok, full, full}));
  EXPECT_EQ(sink.overflow_count(), 2U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4}));
}

TEST(Mailbox, remote_drop_oldest_policy_returns_ok_and_drops_the_oldest) {
  Loop loop;
  SinkActor<Overflow::drop_oldest, 4> sink;
  loop.start(sink);
  EXPECT_EQ(post_values(sink, 1, 7), (std::vector<SendResult>{ok, ok, ok, ok, ok, ok, ok}));
  EXPECT_EQ(sink.overflow_count(), 3U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{4, 5, 6, 7}));
}

TEST(Mailbox, remote_drop_newest_policy_returns_full_and_drops_the_new) {
  Loop loop;
  SinkActor<Overflow::drop_newest, 4> sink;
  loop.start(sink);
  EXPECT_EQ(post_values(sink, 1, 7), (std::vector<SendResult>{ok, ok, ok, ok, full, full, full}));
  EXPECT_EQ(sink.overflow_count(), 3U);
  loop.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4}));
}

TEST(Mailbox, local_and_remote_overflow_add_up_in_one_counter) {
  Loop loop;
  SinkActor<Overflow::reject, 2> sink;
  loop.start(sink);
  send_values(loop.scheduler, sink, 1, 5);  // 1 rejected
  post_values(sink, 6, 9);                  // 2 rejected
  EXPECT_EQ(sink.overflow_count(), 3U);
}

TEST(Mailbox, same_loop_send_takes_the_local_ring_even_with_a_remote_inbox) {
  Loop loop;
  SinkActor<Overflow::reject, 8> sink;
  loop.start(sink);
  // The local ring (capacity 4) is full; the remote inbox has room, but a
  // same-loop send never uses it.
  EXPECT_EQ(send_values(loop.scheduler, sink, 1, 5), (std::vector<SendResult>{ok, ok, ok, ok, full}));
  EXPECT_EQ(sink.queue_depth(), 4U);
}

TEST(Mailbox, send_to_actor_on_another_loop_goes_through_its_remote_inbox) {
  Loop here(0);
  Loop there(1);
  SinkActor<Overflow::reject, 4> sink;
  there.start(sink);
  EXPECT_EQ(send_values(here.scheduler, sink, 1, 6), (std::vector<SendResult>{ok, ok, ok, ok, full, full}));
  EXPECT_FALSE(here.scheduler.has_ready());
  EXPECT_TRUE(there.scheduler.has_ready());
  there.port.run_until_idle();
  EXPECT_EQ(sink.context().seen(), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(sink.overflow_count(), 2U);
}

TEST(Mailbox, remote_capacity_is_a_power_of_two) {
  static_assert(sizeof(lit::RemoteStorage<Item, 8>::cells) / sizeof(lit::RemoteCell<Item>) == 8);
  Loop loop;
  SinkActor<Overflow::reject, 8> sink;
  loop.start(sink);
  // Exactly remote_capacity messages fit.
  const auto results = post_values(sink, 1, 9);
  EXPECT_EQ(std::count(results.begin(), results.end(), ok), 8);
  EXPECT_EQ(results.back(), full);
}

// ---- never allocates ---------------------------------------------------------------------

TEST(Mailbox, sending_and_running_never_allocate) {
  Loop here(0);
  Loop there(1);
  SinkActor<Overflow::reject, 4> local;
  SinkActor<Overflow::drop_oldest, 4> dropping;
  SinkActor<Overflow::drop_newest, 4> remote;
  here.start(local);
  here.start(dropping);
  there.start(remote);
  here.port.run_until_idle();
  const auto stale = lit::Address<Item>{};
  std::array<SendResult, 48> results{};
  std::size_t n = 0;

  allocations = 0;
  counting = true;
  for (int i = 0; i < 8; ++i) {
    results[n++] = here.scheduler.send(local.address(), kItem, Item{i});     // ok, then full
    results[n++] = here.scheduler.send(dropping.address(), kItem, Item{i});  // ok, drops
    results[n++] = here.scheduler.send(remote.address(), kItem, Item{i});    // cross-loop
    results[n++] = lit::post(local.address(), kItem, Item{i});               // remote inbox
    results[n++] = here.scheduler.send(stale, kItem, Item{i});               // dead
    results[n++] = here.scheduler.send(local.address(), kOutside, Item{i});  // invalid_event
  }
  here.port.run_until_idle();
  there.port.run_until_idle();
  counting = false;

  EXPECT_EQ(allocations.load(), 0U);
  EXPECT_EQ(n, results.size());
  EXPECT_EQ(local.context().count, 8U);  // 4 local, then 4 from the remote inbox
  EXPECT_EQ(dropping.context().seen(), (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(remote.context().seen(), (std::vector<int>{0, 1, 2, 3}));
}

}  // namespace

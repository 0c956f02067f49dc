// Mailboxes: the bounded queue in front of every actor. Capacity is fixed at
// compile time (Mailbox<P, N>); nothing here allocates, blocks or throws.
//
// Two ways in. The *local* ring is single-threaded: only the loop that owns the
// actor pushes and pops, with no atomics. The *remote* inbox is a bounded
// lock-free MPSC ring (per-cell sequence numbers) for ISRs and other threads;
// each cell carries the incarnation the sender addressed, so a message sent to
// an actor that restarts before reading it is discarded, never delivered to
// the new incarnation. Every drop and rejection is counted.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lit/chart/types.hpp"
#include "lit/target.hpp"

namespace lit {

class ActorCore;
class Scheduler;

enum class SendResult : std::uint8_t {
  ok,             // queued (with drop_oldest, possibly after dropping the oldest message)
  full,           // not queued: the mailbox is full and its policy is reject or drop_newest
  dead,           // the address is stale: that incarnation has stopped
  invalid_event,  // the event id is not one of the receiver's chart events; nothing queued
};

// What a full mailbox does with one more message. Either way the mailbox's
// overflow counter goes up by one.
enum class Overflow : std::uint8_t {
  reject,       // refuse the new message; the sender gets `full` and may retry later
  drop_oldest,  // drop the oldest queued message to make room; the sender gets `ok`
  drop_newest,  // drop the new message; the sender gets `full`
};

constexpr const char* to_string(Overflow overflow) {
  switch (overflow) {
    case Overflow::reject: return "reject";
    case Overflow::drop_oldest: return "drop_oldest";
    case Overflow::drop_newest: return "drop_newest";
  }
  return "?";
}

struct NoPayload {};

// One queued message: the receiving chart's event id and a typed payload. A
// payload is any trivially copyable standard-layout type; messages generated
// from proto/ are nanopb structs (docs/architecture.md, "Messages").
template <class Payload>
struct Message {
  chart::EventId event = chart::kNone;
  Payload payload{};
};

template <class Payload>
inline constexpr bool valid_payload = std::is_trivially_copyable_v<Payload>&& std::is_standard_layout_v<Payload>;

// ---- the remote (MPSC) inbox --------------------------------------------------

template <class Payload>
struct RemoteCell {
  std::atomic<std::uint32_t> sequence{0};
  std::uint32_t incarnation = 0;
  Message<Payload> message{};
};

// Producers and the consumer each write their own cache line: sharing one
// made every push and pop miss across cores. Cortex-M parts have no data cache
// to share, so there the padding would only cost RAM.
#ifndef LIT_CACHE_LINE
#define LIT_CACHE_LINE (LIT_CORTEX_M ? 4 : 64)
#endif

// Bookkeeping of a remote inbox. Producers on any thread or ISR; one consumer,
// the owning loop. `signalled` makes wakeups coalesce: only the push that finds
// it clear tells the scheduler.
struct RemoteInbox {
  // Set before the first post, then only read.
  void* cells = nullptr;
  std::uint32_t mask = 0;  // capacity - 1; capacity is a power of two
  Overflow overflow = Overflow::reject;
  ActorCore* owner = nullptr;
  Scheduler* scheduler = nullptr;
  // Written by producers (and once per drain by the consumer's reset of `signalled`).
  alignas(LIT_CACHE_LINE) std::atomic<std::uint32_t> enqueue_position{0};
  std::atomic<std::uint32_t> overflowed{0};
  std::atomic<bool> signalled{false};
  // The scheduler's list of signalled inboxes (Scheduler::signal / take_signalled).
  RemoteInbox* next_signalled = nullptr;
  // Written by the consumer only.
  alignas(LIT_CACHE_LINE) std::atomic<std::uint32_t> dequeue_position{0};

  template <class Payload>
  RemoteCell<Payload>* cells_of() const {
    return static_cast<RemoteCell<Payload>*>(cells);
  }
};

// Takes the oldest message; false if empty. Safe against concurrent producers.
template <class Payload>
bool remote_pop(RemoteInbox& inbox, std::uint32_t& incarnation, Message<Payload>& out) {
  RemoteCell<Payload>* const cells = inbox.cells_of<Payload>();
  std::uint32_t position = inbox.dequeue_position.load(std::memory_order_relaxed);
  RemoteCell<Payload>* cell = nullptr;
  for (;;) {
    cell = &cells[position & inbox.mask];
    const std::uint32_t sequence = cell->sequence.load(std::memory_order_acquire);
    const auto lag = static_cast<std::int32_t>(sequence - (position + 1));
    if (lag == 0) {
      // Only drop_oldest lets producers pop too; otherwise the owning loop is
      // the one consumer and a plain store claims the cell.
      if (inbox.overflow != Overflow::drop_oldest) {
        inbox.dequeue_position.store(position + 1, std::memory_order_relaxed);
        break;
      }
      if (inbox.dequeue_position.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) break;
    } else if (lag < 0) {
      return false;
    } else {
      position = inbox.dequeue_position.load(std::memory_order_relaxed);
    }
  }
  incarnation = cell->incarnation;
  out = cell->message;
  cell->sequence.store(position + inbox.mask + 1, std::memory_order_release);
  return true;
}

// Queues a message for the owner's incarnation `incarnation`. Never blocks;
// with drop_oldest it takes the oldest message out of the way (counted) and
// tries again.
template <class Payload>
SendResult remote_push(RemoteInbox& inbox, std::uint32_t incarnation, chart::EventId event, const Payload& payload) {
  RemoteCell<Payload>* const cells = inbox.cells_of<Payload>();
  std::uint32_t position = inbox.enqueue_position.load(std::memory_order_relaxed);
  RemoteCell<Payload>* cell = nullptr;
  for (;;) {
    cell = &cells[position & inbox.mask];
    const std::uint32_t sequence = cell->sequence.load(std::memory_order_acquire);
    const auto lag = static_cast<std::int32_t>(sequence - position);
    if (lag == 0) {
      if (inbox.enqueue_position.compare_exchange_weak(position, position + 1, std::memory_order_relaxed)) break;
    } else if (lag < 0) {
      if (inbox.overflow != Overflow::drop_oldest) {
        inbox.overflowed.fetch_add(1, std::memory_order_relaxed);
        return SendResult::full;
      }
      // Counted only if this producer did drop one: the consumer (or another
      // producer) may have made room first.
      std::uint32_t dropped_incarnation = 0;
      Message<Payload> dropped;
      if (remote_pop(inbox, dropped_incarnation, dropped)) inbox.overflowed.fetch_add(1, std::memory_order_relaxed);
      position = inbox.enqueue_position.load(std::memory_order_relaxed);
    } else {
      position = inbox.enqueue_position.load(std::memory_order_relaxed);
    }
  }
  cell->incarnation = incarnation;
  cell->message = Message<Payload>{event, payload};
  cell->sequence.store(position + 1, std::memory_order_release);
  return SendResult::ok;
}

// ---- the local ring ------------------------------------------------------------

// The local ring's head and count live in the actor's control block
// (ActorCore); its slots in the actor (MailboxStorage), its capacity and
// overflow policy in the actor's constant type. An index is a byte on a
// Cortex-M, where static mailboxes are small and every actor's control block
// counts, and 16 bits on the host. Define LIT_MAILBOX_INDEX_BITS (8 or 16) to
// choose otherwise.
#ifndef LIT_MAILBOX_INDEX_BITS
#define LIT_MAILBOX_INDEX_BITS (LIT_CORTEX_M ? 8 : 16)
#endif
static_assert(LIT_MAILBOX_INDEX_BITS == 8 || LIT_MAILBOX_INDEX_BITS == 16, "LIT_MAILBOX_INDEX_BITS is 8 or 16");
using MailboxIndex = std::conditional_t<LIT_MAILBOX_INDEX_BITS == 8, std::uint8_t, std::uint16_t>;
inline constexpr unsigned kMaxMailboxCapacity = (1U << LIT_MAILBOX_INDEX_BITS) - 1U;

// ---- storage -------------------------------------------------------------------

// A mailbox's configuration, fixed at compile time per actor type.
struct MailboxConfig {
  std::uint16_t capacity = 16;
  Overflow overflow = Overflow::reject;
  // Cells of the remote (MPSC) inbox for ISRs and other threads: 0 (none, the
  // actor only hears from its own loop) or a power of two.
  std::uint16_t remote_capacity = 0;
  // Deferred events an actor may keep at once (chart `defer`).
  std::uint16_t defer_capacity = 0;
  // Where its chart's after() timers live: false, one per timer row inside
  // the actor; true, drawn from its scheduler's timer pool while armed
  // (Scheduler::Storage::timers), which an MCU sizes for the timers its
  // actors can have armed at once (timer_pool_size<>()), not for every row.
  bool pooled_timers = false;
};

template <class Payload, std::uint16_t Capacity>
struct RemoteStorage {
  RemoteInbox inbox;
  RemoteCell<Payload> cells[Capacity];
};

template <class Payload>
struct RemoteStorage<Payload, 0> {};

// An actor's message storage: the local ring's slots, then the remote inbox
// if it has one. Standard layout, so the inbox's place is a constant offset
// from the slots that the actor's type records (ActorType::remote_offset).
template <class Payload, MailboxConfig Config>
struct MailboxStorage {
  static_assert(valid_payload<Payload>, "a message payload must be trivially copyable and standard-layout");
  static_assert(Config.capacity > 0, "a mailbox holds at least one message");
  static_assert(Config.capacity <= kMaxMailboxCapacity,
                "mailbox capacity exceeds MailboxIndex (LIT_MAILBOX_INDEX_BITS)");
  static_assert(Config.remote_capacity == 0 || (Config.remote_capacity & (Config.remote_capacity - 1)) == 0,
                "remote_capacity must be 0 or a power of two");
  Message<Payload> slots[Config.capacity];
  [[no_unique_address]] RemoteStorage<Payload, Config.remote_capacity> remote;

  static constexpr std::uint32_t remote_offset() {
    if constexpr (Config.remote_capacity == 0) {
      return 0;
    } else {
      static_assert(std::is_standard_layout_v<MailboxStorage>);
      return offsetof(MailboxStorage, remote);
    }
  }
};

}  // namespace lit

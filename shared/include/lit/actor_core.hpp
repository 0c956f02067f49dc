// The type-erased actor control block that the scheduler and supervisors work
// with, and the addresses that name one incarnation of an actor. Typed actors
// (actor.hpp) and supervisors (supervisor.hpp) derive from ActorCore; what
// differs per kind lives in a constant ActorType (flash on an MCU).
//
// An ActorCore is owned by exactly one scheduler (loop) and only that loop's
// thread touches it; other threads and ISRs reach it only through the remote
// inbox (mailbox.hpp). It holds the local mailbox's bookkeeping too (the ring's
// slots pointer, head, count and drops; capacity and policy are the type's), so
// its size is the whole per-actor runtime cost of an actor without timers,
// history or deferral: 32 bytes on a Cortex-M, checked by a static_assert in
// the firmware build, and 56 on x86-64.
#pragma once

#include <cstdint>

#include "lit/chart/table.hpp"
#include "lit/chart/types.hpp"
#include "lit/mailbox.hpp"
#include "lit/port.hpp"
#include "lit/reason.hpp"

namespace lit {

class ActorCore;
class Scheduler;
class Supervisor;
struct ActorTimer;
struct InvokeSlot;

// One incarnation of an actor. Stale once that incarnation stops: sends to it
// return `dead` and never reach a later incarnation.
struct ActorId {
  ActorCore* actor = nullptr;
  std::uint32_t incarnation = 0;
  friend constexpr bool operator==(const ActorId&, const ActorId&) = default;
};

// An address that can carry messages with payload type P.
template <class Payload>
struct Address : ActorId {};

// The DOWN a watcher receives (as its chart's "down" event; Event::data points here).
struct Down {
  ActorId actor;
  Reason reason;
};

// How an actor is taken down.
enum class StopMode : std::uint8_t {
  graceful,       // exit actions run (reverse document order), then on_stop
  kill,           // no exit actions; timers and activities are cancelled; on_stop runs
  after_failure,  // the chart failed; it has already cancelled its timers and activities
  after_finish,   // the chart reached a top-level final state and exited every state
};

// What an activation left behind: one register, so the scheduler's loop
// branches on it directly. How an exiting actor exits (its StopMode and
// Reason) waits on the scheduler (Scheduler::exiting).
enum class Activation : std::uint8_t {
  idle,  // nothing left to do until the next message or system event
  more,  // work remains: schedule the actor again
  exit,  // the actor must exit, as the scheduler was told
};

// What one kind of actor does; a constant per type.
struct ActorType {
  const char* kind = "";                // "chart" or "supervisor", for tools
  const chart::Table* table = nullptr;  // the chart; null for supervisors
  // Events a send may carry (ids below this; chart::kNone: any, for a proxy
  // whose device checks them), and the local mailbox: its capacity (0: none,
  // a supervisor), what a full one does, and where the remote inbox is, as an
  // offset from the ring's slots (0: none; MailboxStorage::remote_offset()).
  std::uint16_t event_count = 0;
  std::uint16_t mailbox_capacity = 0;
  Overflow overflow = Overflow::reject;
  std::uint32_t remote_offset = 0;
  bool (*start)(ActorCore& actor, Scheduler& scheduler, Reason& failure) = nullptr;
  Activation (*activate)(ActorCore& actor, Scheduler& scheduler, unsigned budget) = nullptr;
  // Takes the actor down (exit actions or not, by mode), runs on_stop, and
  // empties its mailbox. Returns how many queued messages were discarded.
  std::uint32_t (*stop)(ActorCore& actor, Scheduler& scheduler, Reason reason, StopMode mode) = nullptr;
  // Asks the actor to shut down by itself (a chart that declares a "shutdown"
  // event, a supervisor stopping its children). Returns false if it does not
  // handle the request, and the caller stops it gracefully instead. Null: it
  // never handles one (a remote proxy).
  bool (*request_shutdown)(ActorCore& actor, Scheduler& scheduler) = nullptr;
  // A supervisor's: one of the actors it started has stopped (Scheduler::exit
  // tells the parent through here, so an image without supervisors links none
  // of their code). Null for everything else.
  void (*child_exited)(ActorCore& parent, ActorCore& child, std::uint32_t incarnation, Reason reason) = nullptr;
  // The chart plumbing the scheduler's Host calls reach (null for supervisors):
  // the actor's after() timers (in the actor or from the scheduler's pool) and
  // invocation slots (one per table row), its deferred events, and its own
  // mailbox for payload-less <send>s. arm_timer returns false if the pool had
  // no timer free; both are null where the chart has no after().
  bool (*arm_timer)(ActorCore& actor, Scheduler& scheduler, std::uint16_t timer, std::uint32_t delay_ms) = nullptr;
  void (*cancel_timer)(ActorCore& actor, Scheduler& scheduler, std::uint16_t timer) = nullptr;
  InvokeSlot* (*invokes)(ActorCore& actor) = nullptr;
  bool (*defer)(ActorCore& actor, const chart::Event& event) = nullptr;
  void (*recall)(ActorCore& actor) = nullptr;
  SendResult (*push_event)(ActorCore& actor, chart::EventId event) = nullptr;
};

class ActorCore {
 public:
  ActorCore(const ActorCore&) = delete;
  ActorCore& operator=(const ActorCore&) = delete;

  const ActorType& type() const { return *type_; }
  std::uint32_t incarnation() const { return incarnation_ & ~kStopped; }
  bool alive() const { return (incarnation_ & kStopped) == 0; }
  ActorId id() const { return ActorId{const_cast<ActorCore*>(this), incarnation()}; }
  Supervisor* parent() const { return parent_; }
  // The active states of its chart (all of them, compound ones included).
  chart::StateSet configuration() const { return active_; }
  std::uint8_t loop() const { return loop_; }
  std::uint16_t event_count() const { return type_->event_count; }
  bool tracing() const { return (flags_ & kTracing) != 0; }

  // Its mailbox. Read from its own loop; queued() and overflow_count() from
  // any thread too, as a snapshot.
  bool has_mailbox() const { return type_->mailbox_capacity != 0; }
  std::uint32_t mailbox_capacity() const { return type_->mailbox_capacity; }
  Overflow overflow_policy() const { return type_->overflow; }
  // The cross-thread inbox, or null if it has none.
  RemoteInbox* remote_inbox() const {
    const std::uint32_t offset = type_->remote_offset;
    return offset != 0 ? reinterpret_cast<RemoteInbox*>(static_cast<char*>(slots_) + offset) : nullptr;
  }
  // Messages waiting: the local ring's and the cross-thread inbox's.
  std::uint32_t queued() const {
    std::uint32_t depth = count_;
    if (const RemoteInbox* remote = remote_inbox()) {
      depth += remote->enqueue_position.load(std::memory_order_relaxed) -
               remote->dequeue_position.load(std::memory_order_relaxed);
    }
    return depth;
  }
  // Messages a full mailbox dropped or refused, both ways in.
  std::uint32_t overflow_count() const {
    const RemoteInbox* remote = remote_inbox();
    return overflowed_ + (remote != nullptr ? remote->overflowed.load(std::memory_order_relaxed) : 0U);
  }

 protected:
  // `slots`: the local ring's storage (null with no mailbox), of the
  // type's mailbox_capacity messages of the payload its sends carry.
  constexpr ActorCore(const ActorType& type, void* slots) : type_(&type), slots_(slots) {}
  ~ActorCore() = default;

 private:
  friend class Scheduler;
  friend class Supervisor;
  template <const auto&, MailboxConfig, class>
  friend class Actor;

  // Set in incarnation_ while the actor is not alive. Addresses never carry
  // it, so a send compares one word to learn "this incarnation, and alive".
  static constexpr std::uint32_t kStopped = 1U << 31U;
  // Ends the incarnation: every address of it is dead from now on.
  void end_incarnation() { incarnation_ = ((incarnation_ + 1U) & ~kStopped) | kStopped; }
  void become_alive() { incarnation_ &= ~kStopped; }

  // Mirrors alive() in the byte run() reads and writes anyway.
  static constexpr std::uint8_t kAlive = 1U << 0;
  static constexpr std::uint8_t kScheduled = 1U << 1;      // in its scheduler's ready queue
  static constexpr std::uint8_t kActivating = 1U << 2;     // inside start, activate or stop
  static constexpr std::uint8_t kTracing = 1U << 3;        // chart trace records go to the observer
  static constexpr std::uint8_t kWatched = 1U << 4;        // some watch names it
  static constexpr std::uint8_t kSystemPending = 1U << 5;  // timers, outcomes or DOWNs to deliver
  static constexpr std::uint8_t kShutdownAsked = 1U << 6;  // deliver "shutdown" on the next activation
  static constexpr std::uint8_t kStopping = 1U << 7;       // its supervisor is waiting for it to exit

  bool has(std::uint8_t flag) const { return (flags_ & flag) != 0; }
  void set(std::uint8_t flag) { flags_ = static_cast<std::uint8_t>(flags_ | flag); }
  void clear(std::uint8_t flag) { flags_ = static_cast<std::uint8_t>(flags_ & ~flag); }

 protected:
  // The local ring, inlined into every send: a compare, a store and an increment.
  template <class Payload>
  [[gnu::always_inline]] SendResult push_local(chart::EventId event, const Payload& payload) {
    auto* const slots = static_cast<Message<Payload>*>(slots_);
    const unsigned capacity = type_->mailbox_capacity;
    unsigned head = head_;
    unsigned count = count_;
    if (count == capacity) [[unlikely]] {
      ++overflowed_;
      if (type_->overflow != Overflow::drop_oldest) return SendResult::full;
      head = head + 1U == capacity ? 0U : head + 1U;
      --count;
      head_ = static_cast<MailboxIndex>(head);
    }
    unsigned tail = head + count;
    if (tail >= capacity) tail -= capacity;
    slots[tail] = Message<Payload>{event, payload};
    count_ = static_cast<MailboxIndex>(count + 1U);
    return SendResult::ok;
  }
  // Takes the oldest local message (the caller checked count_ != 0).
  template <class Payload>
  Message<Payload> take_local() {
    auto* const slots = static_cast<Message<Payload>*>(slots_);
    const unsigned head = head_;
    const Message<Payload> message = slots[head];
    const unsigned next = head + 1U;
    head_ = static_cast<MailboxIndex>(next == type_->mailbox_capacity ? 0U : next);
    --count_;
    return message;
  }

  // Ordered so that a Cortex-M packs them into 32 bytes with no padding. The
  // ring's fields are the derived kinds' (each pops its own); the rest is the
  // scheduler's.
 private:
  const ActorType* type_;
  ActorCore* next_ready_ = nullptr;
  Supervisor* parent_ = nullptr;  // the supervisor that started it; null for a root

 protected:
  void* slots_;  // the local ring's slots

 private:
  chart::StateSet active_ = 0;
  std::uint32_t incarnation_ = 1U | kStopped;
  std::uint32_t overflowed_ = 0;  // local drops or rejections

 protected:
  MailboxIndex head_ = 0;   // the local ring's oldest message
  MailboxIndex count_ = 0;  // and how many it holds

 private:
  std::uint8_t flags_ = 0;
  std::uint8_t loop_ = 0;
};

}  // namespace lit

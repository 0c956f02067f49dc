// Link reliability above the framing: a selective-repeat
// window with RFC 6298 retransmission timing for reliable bodies, sequence-gap
// counting for best-effort ones, heartbeats and link-down detection. Pure code
// called from one context (the link's loop): bytes and time in, frames out; no
// heap, no OS calls. RAM is two windows of Window x MaxBody bytes plus a frame.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lit/link/frame.hpp"
#include "lit/port.hpp"

namespace lit::link {

enum class SendResult : std::uint8_t { ok, window_full, too_long, link_down };

struct SessionConfig {
  Millis rto_min = 50;
  Millis rto_max = 4000;
  Millis rto_initial = 500;
  Millis heartbeat_interval = 250;  // idle this long -> an ack-only frame
  Millis link_timeout = 1000;       // nothing received this long -> link down
};

struct SessionCounters {
  std::uint32_t frames_sent = 0;
  std::uint32_t reliable_sent = 0;    // first transmissions
  std::uint32_t retransmissions = 0;  // frames sent again (timeouts)
  std::uint32_t timeouts = 0;         // polls that found an expired frame (each backs the RTO off once)
  std::uint32_t ack_only_sent = 0;    // acks and heartbeats
  std::uint32_t rtt_samples = 0;
  std::uint32_t delivered = 0;      // reliable bodies accepted by the owner
  std::uint32_t duplicates = 0;     // reliable frames already delivered or already buffered
  std::uint32_t out_of_window = 0;  // reliable frames beyond the receive window
  std::uint32_t refusals = 0;       // reliable bodies the owner refused (left unacked)
  std::uint32_t best_effort_delivered = 0;
  std::uint32_t best_effort_gaps = 0;   // best-effort frames missing from the sequence
  std::uint32_t best_effort_stale = 0;  // best-effort frames older than the last one delivered
  std::uint32_t link_ups = 0;
  std::uint32_t link_downs = 0;
  std::uint32_t send_failures = 0;  // reliable sends failed with link_down
  Millis srtt = 0;
  Millis rttvar = 0;
  Millis rto = 0;
};

// Handler (receive side and events; on_bytes and poll call it):
//   bool on_reliable(std::span<const std::uint8_t> body)   false = refuse (not acked)
//   void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap)
//   void on_link_up();  void on_link_down();
//   void on_send_failed(std::uint32_t token)   a pending reliable send, at link down
// Output: void write(std::span<const std::uint8_t> frame_bytes)
// Bodies passed to the handler are valid only during the call. The handler may
// call send_reliable/send_best_effort from inside a callback.
template <std::size_t Window = 4, std::size_t MaxBody = kDefaultMaxBody>
class LinkSession {
 public:
  static_assert(Window >= 1 && Window <= 64, "sequence numbers are 8 bits; keep the window small");
  static constexpr std::size_t kWindow = Window;
  static constexpr std::size_t kMaxBody = MaxBody;
  // Ack-only body: bit (d - 1) set when sequence ack + d is buffered, d >= 1.
  static constexpr std::size_t kSackBytes = (Window - 1 + 7) / 8;
  static_assert(kSackBytes <= MaxBody, "the selective-ack bitmap must fit a body");
  using Config = SessionConfig;

  explicit LinkSession(const Config& config = Config{}) : config_(config) { reset(); }

  // Queues a reliable body; poll() transmits it. The token comes back through
  // on_send_failed if the link goes down before the peer acknowledges it.
  SendResult send_reliable(std::span<const std::uint8_t> body, Millis now, std::uint32_t token = 0) {
    static_cast<void>(now);
    if (!up_) return SendResult::link_down;
    if (body.size() > MaxBody) return SendResult::too_long;
    if (in_flight_ == Window) return SendResult::window_full;
    TxSlot& slot = tx_[(tx_head_ + in_flight_) % Window];
    slot = TxSlot{};
    slot.token = token;
    slot.length = static_cast<std::uint16_t>(body.size());
    for (std::size_t i = 0; i < body.size(); ++i) slot.body[i] = body[i];
    ++in_flight_;
    return SendResult::ok;
  }

  // Sends a best-effort body at once (never retransmitted).
  template <typename Output>
  SendResult send_best_effort(std::span<const std::uint8_t> body, Millis now, Output& out) {
    if (!up_) return SendResult::link_down;
    if (body.size() > MaxBody) return SendResult::too_long;
    transmit(FrameHeader{kFrameVersion, 0, be_tx_next_++, rcv_next_, 0}, body, now, out);
    return SendResult::ok;
  }

  template <typename Handler>
  void on_bytes(std::span<const std::uint8_t> bytes, Millis now, Handler& handler) {
    Receiver<Handler> receiver{*this, handler, now};
    decoder_.push(bytes, receiver);
  }

  // Link-down check, retransmissions, first transmissions, acks and heartbeats.
  template <typename Output, typename Handler>
  void poll(Millis now, Output& out, Handler& handler) {
    if (up_ && now - last_rx_ >= config_.link_timeout) go_down(handler);
    if (up_) {
      retransmit_expired(now, out);
      for (std::size_t i = 0; i < in_flight_; ++i) {
        TxSlot& slot = at(i);
        if (slot.sent) continue;
        slot.sent = true;
        slot.first_sent = now;
        slot.deadline = now + rto_;
        send_slot(i, now, out);
        ++counters_.reliable_sent;
      }
    }
    if (ack_pending_ || now - last_tx_ >= config_.heartbeat_interval) send_ack_only(now, out);
  }

  // When poll() next has something to do (0: at once). One timer suffices.
  Millis next_deadline() const {
    if (ack_pending_) return 0;
    Millis deadline = last_tx_ + config_.heartbeat_interval;
    if (!up_) return deadline;
    deadline = min(deadline, last_rx_ + config_.link_timeout);
    for (std::size_t i = 0; i < in_flight_; ++i) {
      const TxSlot& slot = at(i);
      if (!slot.sent) return 0;
      if (i == 0 || !slot.sacked) deadline = min(deadline, slot.deadline);
    }
    return deadline;
  }

  bool link_up() const { return up_; }
  std::size_t in_flight() const { return in_flight_; }
  Millis rto() const { return rto_; }
  SessionCounters counters() const {
    SessionCounters c = counters_;
    c.srtt = srtt8_ / 8;
    c.rttvar = rttvar4_ / 4;
    c.rto = rto_;
    return c;
  }
  const FrameErrors& frame_errors() const { return decoder_.errors(); }

 private:
  struct TxSlot {
    std::array<std::uint8_t, MaxBody> body{};
    std::uint16_t length = 0;
    std::uint32_t token = 0;
    Millis first_sent = 0;
    Millis deadline = 0;
    bool sent = false;
    bool retransmitted = false;  // Karn: no RTT sample from this frame
    bool sacked = false;         // the peer's last bitmap says it holds this frame
  };
  struct RxSlot {
    std::array<std::uint8_t, MaxBody> body{};
    std::uint16_t length = 0;
    bool present = false;
  };

  template <typename Handler>
  struct Receiver {
    LinkSession& session;
    Handler& handler;
    Millis now;
    void on_frame(const FrameHeader& header, std::span<const std::uint8_t> body) {
      session.receive(header, body, now, handler);
    }
  };

  static constexpr Millis min(Millis a, Millis b) { return a < b ? a : b; }
  Millis clamp_rto(Millis rto) const {
    if (rto < config_.rto_min) return config_.rto_min;
    if (rto > config_.rto_max) return config_.rto_max;
    return rto;
  }

  TxSlot& at(std::size_t i) { return tx_[(tx_head_ + i) % Window]; }
  const TxSlot& at(std::size_t i) const { return tx_[(tx_head_ + i) % Window]; }

  void reset() {
    in_flight_ = 0;
    tx_head_ = 0;
    snd_una_ = 0;
    rcv_next_ = 0;
    rx_head_ = 0;
    for (RxSlot& slot : rx_) slot.present = false;
    be_tx_next_ = 0;
    be_rx_next_ = 0;
    srtt8_ = 0;
    measured_ = false;
    rttvar4_ = 0;
    rto_ = clamp_rto(config_.rto_initial);
    ack_pending_ = true;  // announce ourselves at the next poll
  }

  template <typename Handler>
  void go_down(Handler& handler) {
    up_ = false;
    ++counters_.link_downs;
    // Collect the tokens first: the handler may touch the session.
    std::array<std::uint32_t, Window> tokens{};
    const std::size_t failed = in_flight_;
    for (std::size_t i = 0; i < failed; ++i) tokens[i] = at(i).token;
    reset();
    handler.on_link_down();
    for (std::size_t i = 0; i < failed; ++i) {
      ++counters_.send_failures;
      handler.on_send_failed(tokens[i]);
    }
  }

  template <typename Output>
  void transmit(const FrameHeader& header, std::span<const std::uint8_t> body, Millis now, Output& out) {
    const std::size_t size = FrameEncoder<MaxBody>::encode(header, body, tx_buffer_);
    if (size == 0) return;  // cannot happen: bodies are checked against MaxBody
    out.write(std::span<const std::uint8_t>(tx_buffer_.data(), size));
    last_tx_ = now;
    ++counters_.frames_sent;
  }

  template <typename Output>
  void send_slot(std::size_t i, Millis now, Output& out) {
    const TxSlot& slot = at(i);
    const auto sequence = static_cast<std::uint8_t>(snd_una_ + i);
    transmit(FrameHeader{kFrameVersion, kFlagReliable, sequence, rcv_next_, 0},
             std::span<const std::uint8_t>(slot.body.data(), slot.length),
             now,
             out);
    if (!has_buffered()) ack_pending_ = false;  // the piggybacked ack says it all
  }

  template <typename Output>
  void retransmit_expired(Millis now, Output& out) {
    bool expired = false;
    for (std::size_t i = 0; i < in_flight_; ++i) {
      const TxSlot& slot = at(i);
      if (slot.sent && (i == 0 || !slot.sacked) && now >= slot.deadline) expired = true;
    }
    if (!expired) return;
    ++counters_.timeouts;
    rto_ = min(rto_ * 2, config_.rto_max);  // exponential backoff, kept until a fresh sample
    for (std::size_t i = 0; i < in_flight_; ++i) {
      TxSlot& slot = at(i);
      if (!slot.sent || (i != 0 && slot.sacked) || now < slot.deadline) continue;
      slot.retransmitted = true;
      slot.deadline = now + rto_;
      send_slot(i, now, out);
      ++counters_.retransmissions;
    }
  }

  template <typename Output>
  void send_ack_only(Millis now, Output& out) {
    std::array<std::uint8_t, kSackBytes> sack{};
    for (std::size_t d = 1; d < Window; ++d) {
      if (rx_[(rx_head_ + d) % Window].present) {
        sack[(d - 1) / 8] = static_cast<std::uint8_t>(sack[(d - 1) / 8] | (1U << ((d - 1) % 8)));
      }
    }
    transmit(FrameHeader{kFrameVersion, kFlagAckOnly, 0, rcv_next_, 0}, sack, now, out);
    ack_pending_ = false;
    ++counters_.ack_only_sent;
  }

  bool has_buffered() const {
    for (const RxSlot& slot : rx_) {
      if (slot.present) return true;
    }
    return false;
  }

  template <typename Handler>
  void receive(const FrameHeader& header, std::span<const std::uint8_t> body, Millis now, Handler& handler) {
    last_rx_ = now;
    if (!up_) {
      // Link up: the first valid frame after down (or after construction).
      // Sequence state was reset when the link went down.
      up_ = true;
      ++counters_.link_ups;
      handler.on_link_up();
    }
    process_ack(header.ack, now);
    if ((header.flags & kFlagAckOnly) != 0) {
      if (header.ack == snd_una_) process_sack(body, now);
      return;
    }
    if ((header.flags & kFlagReliable) != 0) {
      receive_reliable(header.sequence, body, handler);
    } else {
      receive_best_effort(header.sequence, body, handler);
    }
  }

  void process_ack(std::uint8_t ack, Millis now) {
    const auto acked = static_cast<std::uint8_t>(ack - snd_una_);
    if (acked == 0 || acked > in_flight_ || !at(acked - 1U).sent) return;  // stale or bogus
    // Karn's rule, and no sample when the ack waited for a gap to fill: a
    // retransmitted frame in the range, or a newest frame already selectively
    // acked, would measure the retransmission, not the path.
    bool clean = !at(acked - 1U).sacked;
    for (std::size_t i = 0; i < acked; ++i) clean = clean && !at(i).retransmitted;
    if (clean) sample_rtt(now - at(acked - 1U).first_sent);
    tx_head_ = (tx_head_ + acked) % Window;
    in_flight_ -= acked;
    snd_una_ = ack;
  }

  // The bitmap replaces what the previous one said (the receiver may have
  // dropped a frame its owner refused). A frame newly reported, never
  // retransmitted, gives an RTT sample (the newest such frame, once per ack).
  void process_sack(std::span<const std::uint8_t> bitmap, Millis now) {
    const TxSlot* newest = nullptr;
    for (std::size_t i = 0; i < in_flight_; ++i) {
      TxSlot& slot = at(i);
      const std::size_t bit = i - 1;
      const bool sacked = i != 0 && bit / 8 < bitmap.size() && ((unsigned{bitmap[bit / 8]} >> (bit % 8)) & 1U) != 0;
      if (sacked && !slot.sacked && slot.sent && !slot.retransmitted) newest = &slot;
      slot.sacked = sacked;
    }
    if (newest != nullptr) sample_rtt(now - newest->first_sent);
  }

  void sample_rtt(Millis rtt) {
    if (!measured_) {
      measured_ = true;
      srtt8_ = rtt * 8;
      rttvar4_ = rtt * 2;
    } else {
      const Millis srtt = srtt8_ / 8;
      const Millis error = rtt > srtt ? rtt - srtt : srtt - rtt;
      srtt8_ = srtt8_ - srtt + rtt;
      rttvar4_ = rttvar4_ - rttvar4_ / 4 + error;
    }
    ++counters_.rtt_samples;
    const Millis variance = rttvar4_ > 1 ? rttvar4_ : 1;  // K * RTTVAR, at least the 1 ms clock
    rto_ = clamp_rto(srtt8_ / 8 + variance);
  }

  template <typename Handler>
  void receive_reliable(std::uint8_t sequence, std::span<const std::uint8_t> body, Handler& handler) {
    ack_pending_ = true;  // every reliable frame is acked, duplicates too (the ack was lost)
    const std::size_t ahead = static_cast<std::uint8_t>(sequence - rcv_next_);
    if (ahead >= Window) {
      if (ahead < 128) {
        ++counters_.out_of_window;
      } else {
        ++counters_.duplicates;
      }
      return;
    }
    if (ahead > 0) {
      RxSlot& slot = rx_[(rx_head_ + ahead) % Window];
      if (slot.present) {
        ++counters_.duplicates;
        return;
      }
      slot.present = true;
      slot.length = static_cast<std::uint16_t>(body.size());
      for (std::size_t i = 0; i < body.size(); ++i) slot.body[i] = body[i];
      return;
    }
    if (!handler.on_reliable(body)) {
      ++counters_.refusals;  // not acked: the sender will retransmit
      return;
    }
    advance();
    // Deliver what was buffered behind the gap, in order. A refused one is
    // dropped (and so no longer selectively acked): the sender resends it.
    while (rx_[rx_head_].present) {
      RxSlot& slot = rx_[rx_head_];
      if (!handler.on_reliable(std::span<const std::uint8_t>(slot.body.data(), slot.length))) {
        ++counters_.refusals;
        slot.present = false;
        return;
      }
      advance();
    }
  }

  void advance() {
    rx_[rx_head_].present = false;
    rx_head_ = (rx_head_ + 1) % Window;
    ++rcv_next_;
    ++counters_.delivered;
  }

  template <typename Handler>
  void receive_best_effort(std::uint8_t sequence, std::span<const std::uint8_t> body, Handler& handler) {
    const auto gap = static_cast<std::uint8_t>(sequence - be_rx_next_);
    if (gap >= 128) {
      ++counters_.best_effort_stale;  // a duplicate or a late one
      return;
    }
    be_rx_next_ = static_cast<std::uint8_t>(sequence + 1);
    counters_.best_effort_gaps += gap;
    ++counters_.best_effort_delivered;
    handler.on_best_effort(body, std::uint32_t{gap});
  }

  Config config_;
  std::array<TxSlot, Window> tx_{};
  std::array<RxSlot, Window> rx_{};
  std::array<std::uint8_t, FrameEncoder<MaxBody>::kMaxWireSize> tx_buffer_{};
  FrameDecoder<MaxBody> decoder_{};
  SessionCounters counters_{};
  Millis last_tx_ = 0;
  Millis last_rx_ = 0;
  Millis srtt8_ = 0;    // SRTT x 8
  Millis rttvar4_ = 0;  // RTTVAR x 4 (= K x RTTVAR)
  Millis rto_ = 0;
  std::size_t in_flight_ = 0;  // queued or unacked reliable frames, oldest at tx_head_
  std::size_t tx_head_ = 0;
  std::size_t rx_head_ = 0;    // slot of rcv_next_
  std::uint8_t snd_una_ = 0;   // sequence of the oldest unacked frame
  std::uint8_t rcv_next_ = 0;  // next reliable sequence expected (the cumulative ack)
  std::uint8_t be_tx_next_ = 0;
  std::uint8_t be_rx_next_ = 0;
  bool up_ = false;
  bool ack_pending_ = true;
  bool measured_ = false;  // an RTT sample since the last reset
};

}  // namespace lit::link

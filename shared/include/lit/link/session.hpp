// Link reliability above the framing: a selective-repeat
// window with RFC 6298 retransmission timing for reliable bodies, sequence-gap
// counting for best-effort ones, heartbeats, link-down detection and a restart
// handshake. Pure code called from one context (the link's loop): bytes and
// time in, frames out; no heap, no OS calls.
//
// A reliable frame carries up to kMaxRecordsPerFrame records, each a 1-2 byte
// length varint and that many bytes; send_reliable appends to the newest frame
// not yet transmitted, so a busy sender pays the frame overhead once per
// frame, not once per body. A transmitted frame is never changed.
//
// Losses and refusals. A frame older than one the peer's selective-ack bitmap
// holds is resent at once (fast retransmission), not at its RTO; the RTO is
// not backed off for it. A receiver whose owner refuses a record keeps the
// frame and offers the refused record again from poll (1 ms later, the wait
// doubling while nothing is accepted, up to busy_retry),
// saying busy (kFlagBusy) in every frame it sends meanwhile; the sender holds
// the frame without resending it, backing off, or counting a timeout, and
// resends it only as a probe when it has heard no busy frame for an RTO plus
// a heartbeat interval. So a slow consumer costs the line nothing.
//
// Times. The port's clock is 64-bit milliseconds; inside, the session keeps
// their low 32 bits and compares them by wrapping difference, so a 32-bit
// MCU does 32-bit arithmetic only. Every interval it measures is far below
// the 24 days that allows (durations in SessionConfig are capped at 2^30 ms).
//
// RAM: Window transmit slots of MaxBody + 4 x kMaxRecordsPerFrame + ~24
// bytes, Window receive slots of MaxBody + 4 (a refused frame is held in
// one), one encoded frame (FrameEncoder<MaxBody>::kMaxWireSize) and the
// decoder's raw frame (MaxBody + 12): sizeof(LinkSession<4, 256>) is 3056
// bytes on Cortex-M3. go_down() puts Window x kMaxRecordsPerFrame tokens on
// the stack (128 bytes for 4).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "lit/link/frame.hpp"
#include "lit/port.hpp"

namespace lit::link {

enum class SendResult : std::uint8_t { ok, window_full, too_long, link_down };

// Session-layer flag bits (the frame layer passes them up unchanged): the
// restart handshake. A session's epoch bit flips at each link down, when its
// sequence state is reset. Every frame carries the sender's epoch, whether the
// sender is down, and, once the sender has seen the receiver's epoch in a
// frame the receiver sent while down, an echo of it. A down session comes up
// on a frame echoing its epoch from a peer it has seen down in that peer's
// current epoch; an up session goes down when a frame no longer echoes it or
// shows another peer epoch. So both sides restart their sequences together,
// after a one-sided timeout or a reboot too. The handshake assumes an in-order
// channel (a serial line): a handshake frame duplicated or reordered past the
// link coming up makes the link restart once more, failing pending sends.
inline constexpr std::uint8_t kFlagEpoch = 0x04;      // the sender's epoch bit
inline constexpr std::uint8_t kFlagPeerEpoch = 0x08;  // the receiver's epoch bit, as the sender saw it
inline constexpr std::uint8_t kFlagPeerKnown = 0x10;  // kFlagPeerEpoch is valid
inline constexpr std::uint8_t kFlagDown = 0x20;       // the sender's link is down
// Flow control: the sender's owner refused a record of the frame the ack
// names, and the sender holds that frame and offers it again until accepted.
// Its peer keeps the frame unacked but does not resend it.
inline constexpr std::uint8_t kFlagBusy = 0x40;

struct SessionConfig {
  Millis rto_min = 50;
  Millis rto_max = 4000;
  Millis rto_initial = 500;
  Millis heartbeat_interval = 250;  // idle this long -> an ack-only frame
  Millis link_timeout = 1000;       // nothing received this long -> link down
  // Our owner refused a record: offer it again 1 ms later, the wait doubling
  // at each refusal with nothing accepted in between, up to this (the frame
  // stays held here, not resent by the peer). So an actor that drains its
  // mailbox quickly is refilled quickly, and a stalled one is asked at most
  // this often.
  Millis busy_retry = 10;
};

struct SessionCounters {
  std::uint32_t frames_sent = 0;
  std::uint32_t reliable_sent = 0;         // first transmissions
  std::uint32_t retransmissions = 0;       // frames sent again, for any reason below
  std::uint32_t timeouts = 0;              // polls that found an expired frame (each backs the RTO off once)
  std::uint32_t fast_retransmissions = 0;  // frames resent because later ones were selectively acked
  std::uint32_t busy_received = 0;         // busy frames naming our oldest unacked frame (each extends its hold)
  std::uint32_t busy_probes = 0;           // held frames resent because no busy frame came for a while
  std::uint32_t busy_sent = 0;             // frames sent while our owner had a record refused
  std::uint32_t reoffers = 0;              // held records offered to our owner again
  std::uint32_t ack_only_sent = 0;         // acks and heartbeats
  std::uint32_t rtt_samples = 0;
  std::uint32_t records_sent = 0;   // reliable bodies in first transmissions (records_sent / reliable_sent = packing)
  std::uint32_t delivered = 0;      // reliable bodies (records) accepted by the owner
  std::uint32_t duplicates = 0;     // reliable frames already delivered or already buffered
  std::uint32_t out_of_window = 0;  // reliable frames beyond the receive window
  std::uint32_t refusals = 0;       // offers the owner refused (the frame is held and offered again)
  std::uint32_t malformed_records = 0;  // reliable frames whose record list overran the body: acked, nothing delivered
  std::uint32_t best_effort_delivered = 0;
  std::uint32_t best_effort_gaps = 0;   // best-effort frames missing from the sequence
  std::uint32_t best_effort_stale = 0;  // best-effort frames older than the last one delivered
  std::uint32_t link_ups = 0;
  std::uint32_t link_downs = 0;
  std::uint32_t send_failures = 0;  // reliable bodies failed with link_down
  std::uint32_t peer_restarts = 0;  // link downs caused by a frame saying the peer restarted
  Millis srtt = 0;
  Millis rttvar = 0;
  Millis rto = 0;
};

// Handler (receive side and events; on_bytes and poll call it):
//   bool on_reliable(std::span<const std::uint8_t> body)   false = refuse (not acked);
//       records before it in the same frame stay delivered, and the frame's
//       retransmission resumes at the refused one (each body is offered until
//       accepted, and accepted once)
//   void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap)
//   void on_link_up();  void on_link_down();
//   void on_send_failed(std::uint32_t token)   once per pending reliable body, in
//       send order, at link down. A failed body may still have been delivered:
//       the peer may have accepted it and its ack been lost.
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
  static_assert(MaxBody >= 2 && MaxBody <= 0x3FFF + 2, "records need a body of 2..16385 bytes (2-byte varints)");
  static constexpr std::size_t kMaxRecordsPerFrame = 8;
  // The largest body send_reliable accepts: one record filling a frame,
  // length prefix included (MaxBody - 1 up to MaxBody 128, else MaxBody - 2).
  static constexpr std::size_t kMaxRecord = MaxBody <= 128 ? MaxBody - 1 : MaxBody - 2;
  using Config = SessionConfig;

  explicit LinkSession(const Config& config = Config{}) : timing_(timing_of(config)) { reset(); }

  // Queues a reliable body (at most kMaxRecord bytes) as a record of the
  // newest frame not yet transmitted, or of a new frame; poll() transmits it.
  // window_full: all Window frames are taken and the newest cannot take it.
  // The token comes back through on_send_failed if the link goes down before
  // the peer acknowledges the frame.
  SendResult send_reliable(std::span<const std::uint8_t> body, Millis now, std::uint32_t token = 0) {
    static_cast<void>(now);
    if (!up_) return SendResult::link_down;
    if (body.size() > kMaxRecord) return SendResult::too_long;
    const std::size_t record_size = varint_size(body.size()) + body.size();
    if (in_flight_ > 0) {
      TxSlot& newest = at(in_flight_ - 1);
      if (!newest.sent && newest.records < kMaxRecordsPerFrame && newest.length + record_size <= MaxBody) {
        append_record(newest, body, token);
        return SendResult::ok;
      }
    }
    if (in_flight_ == Window) return SendResult::window_full;
    TxSlot& slot = tx_[(tx_head_ + in_flight_) % Window];
    slot = TxSlot{};
    append_record(slot, body, token);
    ++in_flight_;
    return SendResult::ok;
  }

  // Sends a best-effort body at once (never retransmitted), after any
  // reliable frame queued before it: what was sent first leaves first.
  template <typename Output>
  SendResult send_best_effort(std::span<const std::uint8_t> body, Millis now_ms, Output& out) {
    if (!up_) return SendResult::link_down;
    if (body.size() > MaxBody) return SendResult::too_long;
    clock_ = now_ms;
    const Stamp now = stamp(now_ms);
    transmit_queued(now, out);
    transmit(FrameHeader{kFrameVersion, 0, be_tx_next_++, rcv_next_, 0}, body, now, out);
    return SendResult::ok;
  }

  template <typename Handler>
  void on_bytes(std::span<const std::uint8_t> bytes, Millis now, Handler& handler) {
    clock_ = now;
    Receiver<Handler> receiver{*this, handler, stamp(now)};
    decoder_.push(bytes, receiver);
  }

  // Link-down check, retransmissions (timeouts, busy retries, fast
  // retransmissions), first transmissions, acks and heartbeats.
  template <typename Output, typename Handler>
  void poll(Millis now_ms, Output& out, Handler& handler) {
    clock_ = now_ms;
    const Stamp now = stamp(now_ms);
    if (up_ && now - last_rx_ >= timing_.link_timeout) go_down(handler);
    if (up_ && held_ && reached(now, reoffer_at_)) {
      ++counters_.reoffers;
      const std::size_t before = counters_.delivered;
      deliver_in_order(now, handler);
      if (counters_.delivered != before) {
        ack_pending_ = true;  // say so at once, not at the next heartbeat
      } else if (held_) {
        reoffer_wait_ = min(reoffer_wait_ * 2, timing_.busy_retry);
        reoffer_at_ = now + reoffer_wait_;
      }
    }
    if (up_) {
      retransmit_expired(now, out);
      retransmit_missing(now, out);
      transmit_queued(now, out);
    }
    if (ack_pending_ || now - last_tx_ >= timing_.heartbeat_interval) send_ack_only(now, out);
  }

  // When poll() next has something to do (0: at once). One timer suffices.
  Millis next_deadline() const {
    if (ack_pending_) return 0;
    Stamp deadline = last_tx_ + timing_.heartbeat_interval;
    if (!up_) return absolute(deadline);
    deadline = earlier(deadline, last_rx_ + timing_.link_timeout);
    if (held_) deadline = earlier(deadline, reoffer_at_);
    const std::size_t reported = highest_sacked();
    for (std::size_t i = 0; i < in_flight_; ++i) {
      const TxSlot& slot = at(i);
      if (!slot.sent) return 0;
      if (i == 0 || !slot.sacked) deadline = earlier(deadline, slot.deadline);
      if (i < reported && fast_resendable(slot)) deadline = earlier(deadline, slot.sent_at + fast_interval());
    }
    return absolute(deadline);
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
  // A time inside the session (see the file's header): the clock's low 32 bits.
  using Stamp = std::uint32_t;
  static constexpr Stamp kMaxDuration = Stamp{1} << 30U;
  static constexpr Stamp stamp(Millis time) { return static_cast<Stamp>(time); }
  static constexpr Stamp duration(Millis interval) {
    return interval < kMaxDuration ? static_cast<Stamp>(interval) : kMaxDuration;
  }
  // Whether `now` is at or past `time`, and the earlier of two times: by
  // wrapping difference, right while they are less than 2^31 ms apart.
  static constexpr bool reached(Stamp now, Stamp time) { return static_cast<std::int32_t>(now - time) >= 0; }
  static constexpr Stamp earlier(Stamp a, Stamp b) { return static_cast<std::int32_t>(a - b) < 0 ? a : b; }
  static constexpr Stamp min(Stamp a, Stamp b) { return a < b ? a : b; }
  // A session time on the port's clock, from the last time the owner gave.
  Millis absolute(Stamp time) const {
    const auto ahead = static_cast<std::int32_t>(time - stamp(clock_));
    if (ahead >= 0) return clock_ + static_cast<Millis>(ahead);
    const Millis behind = static_cast<Millis>(-static_cast<std::int64_t>(ahead));
    return behind < clock_ ? clock_ - behind : 0;
  }

  // SessionConfig's durations, as session times.
  struct Timing {
    Stamp rto_min;
    Stamp rto_max;
    Stamp rto_initial;
    Stamp heartbeat_interval;
    Stamp link_timeout;
    Stamp busy_retry;
  };
  static constexpr Timing timing_of(const Config& config) {
    return Timing{duration(config.rto_min),
                  duration(config.rto_max),
                  duration(config.rto_initial),
                  duration(config.heartbeat_interval),
                  duration(config.link_timeout),
                  duration(config.busy_retry)};
  }

  struct TxSlot {
    std::array<std::uint8_t, MaxBody> body{};  // the record list
    std::array<std::uint32_t, kMaxRecordsPerFrame> tokens{};
    std::uint16_t length = 0;
    std::uint8_t records = 0;
    std::uint8_t fast_resends = 0;  // fast retransmissions so far (at most kMaxFastResends)
    // The last transmission: the first one, the RTT sample's start, until
    // the frame is retransmitted (then Karn's rule takes no sample from it).
    Stamp sent_at = 0;
    Stamp deadline = 0;  // the retransmission timeout, or the end of the hold when busy
    bool sent = false;
    bool unsampled = false;  // resent, or held by a busy peer: no RTT sample (Karn)
    bool sacked = false;     // the peer's last bitmap says it holds this frame
    bool busy = false;       // the peer holds it, refused: probed at deadline, no backoff
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
    Stamp now;
    void on_frame(const FrameHeader& header, std::span<const std::uint8_t> body) {
      session.receive(header, body, now, handler);
    }
  };

  // A frame the peer's bitmap shows missing is resent at most this many times
  // before only its RTO resends it: a bound on what a vanished peer costs.
  static constexpr std::uint8_t kMaxFastResends = 3;

  // Record lengths: 7 bits per byte, low bits first, bit 7 = another byte
  // follows; at most two bytes.
  static constexpr std::size_t varint_size(std::size_t value) { return value < 0x80 ? 1 : 2; }

  static void append_record(TxSlot& slot, std::span<const std::uint8_t> body, std::uint32_t token) {
    std::size_t at = slot.length;
    if (body.size() < 0x80) {
      slot.body[at++] = static_cast<std::uint8_t>(body.size());
    } else {
      slot.body[at++] = static_cast<std::uint8_t>((body.size() & 0x7FU) | 0x80U);
      slot.body[at++] = static_cast<std::uint8_t>(body.size() >> 7);
    }
    for (const std::uint8_t byte : body) slot.body[at++] = byte;
    slot.length = static_cast<std::uint16_t>(at);
    slot.tokens[slot.records++] = token;
  }

  // Walks a received record list. next() returns false at the end or when
  // the list is malformed (a length running past the body, or a third length
  // byte); malformed() tells the two apart.
  class RecordReader {
   public:
    explicit RecordReader(std::span<const std::uint8_t> body) : body_(body) {}
    bool next(std::span<const std::uint8_t>& record) {
      if (at_ == body_.size()) return false;
      std::size_t length = body_[at_++];
      if ((length & 0x80U) != 0) {
        if (at_ == body_.size() || (body_[at_] & 0x80U) != 0) return fail();
        length = (length & 0x7FU) | (std::size_t{body_[at_++]} << 7);
      }
      if (length > body_.size() - at_) return fail();
      record = body_.subspan(at_, length);
      at_ += length;
      return true;
    }
    bool malformed() const { return malformed_; }

   private:
    bool fail() {
      malformed_ = true;
      return false;
    }
    std::span<const std::uint8_t> body_;
    std::size_t at_ = 0;
    bool malformed_ = false;
  };

  Stamp clamp_rto(Stamp rto) const {
    if (rto < timing_.rto_min) return timing_.rto_min;
    if (rto > timing_.rto_max) return timing_.rto_max;
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
    rx_delivered_ = 0;
    for (RxSlot& slot : rx_) slot.present = false;
    be_tx_next_ = 0;
    be_rx_next_ = 0;
    srtt8_ = 0;
    measured_ = false;
    rttvar4_ = 0;
    rto_ = clamp_rto(timing_.rto_initial);
    held_ = false;
    reoffer_wait_ = 1;
    ack_pending_ = true;  // announce ourselves at the next poll
  }

  template <typename Handler>
  void go_down(Handler& handler) {
    up_ = false;
    ++counters_.link_downs;
    // Collect the tokens first: the handler may touch the session.
    std::array<std::uint32_t, Window * kMaxRecordsPerFrame> tokens{};
    std::size_t failed = 0;
    for (std::size_t i = 0; i < in_flight_; ++i) {
      const TxSlot& slot = at(i);
      for (std::size_t r = 0; r < slot.records; ++r) tokens[failed++] = slot.tokens[r];
    }
    reset();
    epoch_ = !epoch_;
    peer_fresh_ = false;
    handler.on_link_down();
    for (std::size_t i = 0; i < failed; ++i) {
      ++counters_.send_failures;
      handler.on_send_failed(tokens[i]);
    }
  }

  template <typename Output>
  void transmit(const FrameHeader& header, std::span<const std::uint8_t> body, Stamp now, Output& out) {
    FrameHeader flagged = header;
    flagged.flags = static_cast<std::uint8_t>(
        flagged.flags | (epoch_ ? kFlagEpoch : 0U) | (up_ ? 0U : kFlagDown) | (peer_fresh_ ? kFlagPeerKnown : 0U) |
        (peer_fresh_ && peer_epoch_ ? kFlagPeerEpoch : 0U) | (held_ ? kFlagBusy : 0U));
    if (held_) ++counters_.busy_sent;
    const std::size_t size = FrameEncoder<MaxBody>::encode(flagged, body, tx_buffer_);
    if (size == 0) return;  // cannot happen: bodies are checked against MaxBody
    out.write(std::span<const std::uint8_t>(tx_buffer_.data(), size));
    last_tx_ = now;
    ++counters_.frames_sent;
  }

  template <typename Output>
  void send_slot(std::size_t i, Stamp now, Output& out) {
    const TxSlot& slot = at(i);
    const auto sequence = static_cast<std::uint8_t>(snd_una_ + i);
    transmit(FrameHeader{kFrameVersion, kFlagReliable, sequence, rcv_next_, 0},
             std::span<const std::uint8_t>(slot.body.data(), slot.length),
             now,
             out);
    if (!has_buffered()) ack_pending_ = false;  // the piggybacked ack says it all
  }

  // First transmissions of the reliable frames queued since the last poll.
  template <typename Output>
  void transmit_queued(Stamp now, Output& out) {
    for (std::size_t i = 0; i < in_flight_; ++i) {
      TxSlot& slot = at(i);
      if (slot.sent) continue;
      slot.sent = true;
      slot.sent_at = now;
      slot.deadline = now + rto_;
      send_slot(i, now, out);
      ++counters_.reliable_sent;
      counters_.records_sent += slot.records;
    }
  }

  template <typename Output>
  void resend(std::size_t i, Stamp now, Output& out) {
    TxSlot& slot = at(i);
    slot.unsampled = true;
    slot.busy = false;
    slot.sent_at = now;
    slot.deadline = now + rto_;
    send_slot(i, now, out);
    ++counters_.retransmissions;
  }

  // Busy probes first (a refusal is not a loss: no backoff), then frames
  // whose RTO expired (one backoff per poll, however many expired).
  template <typename Output>
  void retransmit_expired(Stamp now, Output& out) {
    bool expired = false;
    for (std::size_t i = 0; i < in_flight_; ++i) {
      const TxSlot& slot = at(i);
      if (!slot.sent || (i != 0 && slot.sacked) || !reached(now, slot.deadline)) continue;
      if (slot.busy) {
        resend(i, now, out);
        ++counters_.busy_probes;
      } else {
        expired = true;
      }
    }
    if (!expired) return;
    ++counters_.timeouts;
    rto_ = min(rto_ * 2, timing_.rto_max);  // exponential backoff, kept until a fresh sample
    for (std::size_t i = 0; i < in_flight_; ++i) {
      const TxSlot& slot = at(i);
      if (!slot.sent || (i != 0 && slot.sacked) || !reached(now, slot.deadline)) continue;
      resend(i, now, out);
    }
  }

  // Fast retransmission: a frame older than one the peer's bitmap holds was
  // lost (the line keeps order), so it is resent without waiting for its RTO,
  // and again each fast_interval() while the bitmap still shows it missing
  // (the resend itself may be lost, and with the window full no ack would
  // come). Each resend restarts its RTO, which is not backed off.
  template <typename Output>
  void retransmit_missing(Stamp now, Output& out) {
    const std::size_t reported = highest_sacked();
    for (std::size_t i = 0; i < reported; ++i) {
      TxSlot& slot = at(i);
      if (!fast_resendable(slot) || !reached(now, slot.sent_at + fast_interval())) continue;
      ++slot.fast_resends;
      resend(i, now, out);
      ++counters_.fast_retransmissions;
    }
  }

  // Index of the newest frame the peer's bitmap holds; 0 when none.
  std::size_t highest_sacked() const {
    std::size_t highest = 0;
    for (std::size_t i = 1; i < in_flight_; ++i) {
      if (at(i).sacked) highest = i;
    }
    return highest;
  }

  static bool fast_resendable(const TxSlot& slot) {
    return slot.sent && !slot.sacked && !slot.busy && slot.fast_resends < kMaxFastResends;
  }

  // A round: the smoothed RTT (rto_min before any sample) since the frame's
  // last transmission, so a resend is not repeated while its ack may still be
  // on the way.
  Stamp fast_interval() const {
    if (!measured_) return timing_.rto_min;
    const Stamp srtt = srtt8_ / 8;
    return srtt > 0 ? srtt : 1;
  }

  template <typename Output>
  void send_ack_only(Stamp now, Output& out) {
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

  // Frames buffered past a gap (the held frame at rcv_next_ is not one).
  bool has_buffered() const {
    for (std::size_t d = 1; d < Window; ++d) {
      if (rx_[(rx_head_ + d) % Window].present) return true;
    }
    return false;
  }

  template <typename Handler>
  void receive(const FrameHeader& header, std::span<const std::uint8_t> body, Stamp now, Handler& handler) {
    last_rx_ = now;
    const bool peer_epoch = (header.flags & kFlagEpoch) != 0;
    const bool echoes_us = (header.flags & kFlagPeerKnown) != 0 && ((header.flags & kFlagPeerEpoch) != 0) == epoch_;
    if (up_ && (!echoes_us || peer_epoch != peer_epoch_)) {
      // The peer reset its sequences (timed out, or rebooted): ours are stale.
      ++counters_.peer_restarts;
      go_down(handler);
    }
    if (!up_) {
      // Down, our sequence state is fresh. A peer seen down is fresh too; one
      // seen up in another epoch has not reset since we did, and our next
      // frame (not echoing it) makes it reset. Answer at once, so the
      // handshake takes one exchange.
      if ((header.flags & kFlagDown) != 0) {
        peer_epoch_ = peer_epoch;
        peer_fresh_ = true;
      } else if (peer_epoch != peer_epoch_) {
        peer_fresh_ = false;
      }
      if (!peer_fresh_ || !echoes_us) {
        ack_pending_ = true;
        return;
      }
      up_ = true;
      ack_pending_ = true;  // the peer may still be down, waiting for an echo from an up session
      ++counters_.link_ups;
      handler.on_link_up();
    }
    process_ack(header.ack, now);
    if ((header.flags & kFlagBusy) != 0) process_busy(header.ack, now);
    if ((header.flags & kFlagAckOnly) != 0) {
      if (header.ack == snd_una_) process_sack(body, now);
      return;
    }
    if ((header.flags & kFlagReliable) != 0) {
      receive_reliable(header.sequence, body, now, handler);
    } else {
      receive_best_effort(header.sequence, body, handler);
    }
  }

  void process_ack(std::uint8_t ack, Stamp now) {
    const auto acked = static_cast<std::uint8_t>(ack - snd_una_);
    if (acked == 0 || acked > in_flight_ || !at(acked - 1U).sent) return;  // stale or bogus
    // Karn's rule, and no sample when the ack waited for a gap to fill: a
    // retransmitted frame in the range, or a newest frame already selectively
    // acked, would measure the retransmission, not the path.
    bool clean = !at(acked - 1U).sacked;
    for (std::size_t i = 0; i < acked; ++i) clean = clean && !at(i).unsampled;
    if (clean) sample_rtt(now - at(acked - 1U).sent_at);
    tx_head_ = (tx_head_ + acked) % Window;
    in_flight_ -= acked;
    snd_una_ = ack;
  }

  // The bitmap replaces what the previous one said. A frame newly reported, never
  // retransmitted, gives an RTT sample (the newest such frame, once per ack).
  void process_sack(std::span<const std::uint8_t> bitmap, Stamp now) {
    const TxSlot* newest = nullptr;
    for (std::size_t i = 0; i < in_flight_; ++i) {
      TxSlot& slot = at(i);
      const std::size_t bit = i - 1;
      const bool sacked = i != 0 && bit / 8 < bitmap.size() && ((unsigned{bitmap[bit / 8]} >> (bit % 8)) & 1U) != 0;
      if (sacked && !slot.sacked && slot.sent && !slot.unsampled) newest = &slot;
      slot.sacked = sacked;
    }
    if (newest != nullptr) sample_rtt(now - newest->sent_at);
  }

  // The peer holds the frame `ack` names (our oldest), its owner having
  // refused a record: do not resend it while busy frames keep coming. The
  // hold ends an RTO plus a heartbeat interval after the last one (the peer
  // says busy at least once a heartbeat), and then the frame is resent once
  // as a probe. Its eventual ack measures the peer's consumer, not the path:
  // no RTT sample. A busy flag naming no unacked frame is stale: ignored.
  void process_busy(std::uint8_t ack, Stamp now) {
    if (ack != snd_una_ || in_flight_ == 0) return;
    TxSlot& oldest = at(0);
    if (!oldest.sent) return;
    oldest.busy = true;
    oldest.unsampled = true;
    oldest.deadline = now + rto_ + timing_.heartbeat_interval;
    ++counters_.busy_received;
  }

  void sample_rtt(Stamp rtt) {
    if (!measured_) {
      measured_ = true;
      srtt8_ = rtt * 8;
      rttvar4_ = rtt * 2;
    } else {
      const Stamp srtt = srtt8_ / 8;
      const Stamp error = rtt > srtt ? rtt - srtt : srtt - rtt;
      srtt8_ = srtt8_ - srtt + rtt;
      rttvar4_ = rttvar4_ - rttvar4_ / 4 + error;
    }
    ++counters_.rtt_samples;
    const Stamp variance = rttvar4_ > 1 ? rttvar4_ : 1;  // K * RTTVAR, at least the 1 ms clock
    rto_ = clamp_rto(srtt8_ / 8 + variance);
  }

  template <typename Handler>
  void receive_reliable(std::uint8_t sequence, std::span<const std::uint8_t> body, Stamp now, Handler& handler) {
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
    RxSlot& slot = rx_[(rx_head_ + ahead) % Window];
    if (slot.present) {
      ++counters_.duplicates;  // buffered, or held (a probe: the ack says busy again)
      return;
    }
    if (ahead == 0 && deliver_records(body, handler)) {
      advance();
    } else {
      // Buffered behind a gap, or refused: kept until it can be delivered.
      slot.present = true;
      slot.length = static_cast<std::uint16_t>(body.size());
      for (std::size_t i = 0; i < body.size(); ++i) slot.body[i] = body[i];
      if (ahead == 0) {
        hold(now);
        return;
      }
    }
    if (ahead == 0) deliver_in_order(now, handler);
  }

  // Delivers the frames at rcv_next_ on while present: what was buffered
  // behind a filled gap, or a held frame. A refusal holds that frame (its
  // delivered records skipped by rx_delivered_) until the next offer.
  template <typename Handler>
  void deliver_in_order(Stamp now, Handler& handler) {
    held_ = false;
    while (rx_[rx_head_].present) {
      RxSlot& slot = rx_[rx_head_];
      if (!deliver_records(std::span<const std::uint8_t>(slot.body.data(), slot.length), handler)) {
        hold(now);
        return;
      }
      advance();
    }
  }

  void hold(Stamp now) {
    held_ = true;
    reoffer_at_ = now + reoffer_wait_;
  }

  // Offers the records of the frame at rcv_next_ from rx_delivered_ on.
  // Returns true when the frame is done with: all its records delivered, or
  // its record list malformed. That can only be a faulty peer (the CRC-32
  // vouches for the bytes, and a resend would be identical), so the frame is
  // counted, acked and nothing of it delivered rather than blocking the
  // stream for ever.
  template <typename Handler>
  bool deliver_records(std::span<const std::uint8_t> body, Handler& handler) {
    RecordReader check(body);
    std::span<const std::uint8_t> record;
    while (check.next(record)) {
    }
    if (check.malformed()) {
      ++counters_.malformed_records;
      return true;
    }
    RecordReader reader(body);
    for (std::size_t index = 0; reader.next(record); ++index) {
      if (index < rx_delivered_) continue;
      if (!handler.on_reliable(record)) {
        ++counters_.refusals;
        return false;
      }
      ++rx_delivered_;
      ++counters_.delivered;
      reoffer_wait_ = 1;  // the owner takes records again: a refusal is retried soon
    }
    return true;
  }

  void advance() {
    rx_[rx_head_].present = false;
    rx_head_ = (rx_head_ + 1) % Window;
    ++rcv_next_;
    rx_delivered_ = 0;
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

  Timing timing_;
  std::array<TxSlot, Window> tx_{};
  std::array<RxSlot, Window> rx_{};
  std::array<std::uint8_t, FrameEncoder<MaxBody>::kMaxWireSize> tx_buffer_{};
  FrameDecoder<MaxBody> decoder_{};
  SessionCounters counters_{};
  Millis clock_ = 0;  // the latest time the owner gave, for next_deadline()
  Stamp last_tx_ = 0;
  Stamp last_rx_ = 0;
  Stamp srtt8_ = 0;    // SRTT x 8
  Stamp rttvar4_ = 0;  // RTTVAR x 4 (= K x RTTVAR)
  Stamp rto_ = 0;
  std::size_t in_flight_ = 0;  // queued or unacked reliable frames, oldest at tx_head_
  std::size_t tx_head_ = 0;
  std::size_t rx_head_ = 0;       // slot of rcv_next_
  std::size_t rx_delivered_ = 0;  // records of the frame at rcv_next_ already delivered
  Stamp reoffer_at_ = 0;          // when held_: the next offer of the refused record
  Stamp reoffer_wait_ = 1;        // the wait before it: 1 ms after an accepted record, doubling up to busy_retry
  std::uint8_t snd_una_ = 0;      // sequence of the oldest unacked frame
  std::uint8_t rcv_next_ = 0;     // next reliable sequence expected (the cumulative ack)
  std::uint8_t be_tx_next_ = 0;
  std::uint8_t be_rx_next_ = 0;
  bool up_ = false;
  bool ack_pending_ = true;
  bool held_ = false;        // our owner refused a record of the frame at rcv_next_: kFlagBusy on every frame
  bool measured_ = false;    // an RTT sample since the last reset
  bool epoch_ = false;       // flipped at each link down: a fresh sequence state
  bool peer_epoch_ = false;  // the peer's epoch, as last heard
  bool peer_fresh_ = false;  // peer_epoch_ was seen in a frame the peer sent while down, since our last reset
};

}  // namespace lit::link

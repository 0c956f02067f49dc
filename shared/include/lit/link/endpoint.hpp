// One end of the host-device link above the session: envelopes in and out,
// and the handshake. The host's RemoteNode and the device's DeviceAgent each
// own one and differ only in what they do with the envelopes.
//
// When the session comes up each side queues its Handshake as the first
// reliable record. The peer's handshake is checked before anything else is
// accepted: another protocol version or schema hash puts the endpoint in
// `rejected`, with a message naming both values, and every later envelope is
// counted and dropped until the link goes down. Reliable envelopes that
// arrive before the peer's handshake cannot happen (the session delivers in
// order and the handshake is first); they are counted as `unexpected`.
//
// Pure code, one context (the loop that owns the link), no heap. The owner
// passes itself to on_bytes() and poll() and provides:
//   void fill_handshake(lit_wire_Handshake& mine)
//   void on_link_up()                                    after its handshake was queued
//   void on_handshake(const lit_wire_Handshake& peer)    the peer's, accepted
//   bool on_envelope(const Envelope& envelope)           reliable; false = not now (retried)
//   void on_best_effort(const Envelope& envelope, std::uint32_t gap)
//   void on_link_down(bool was_ready)                    was_ready: a handshake had completed
//   void on_send_failed(std::uint32_t token)             a reliable send the link lost
//   void on_rejected(const char* message)
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "lit/link/envelope.hpp"
#include "lit/link/session.hpp"

namespace lit::link {

enum class EndpointState : std::uint8_t {
  down,         // no link
  handshaking,  // link up, the peer's handshake not yet seen
  ready,        // the peer's handshake was accepted
  rejected,     // the peer's handshake was refused; waiting for the link to go down
};

constexpr const char* to_string(EndpointState state) {
  switch (state) {
    case EndpointState::down: return "down";
    case EndpointState::handshaking: return "handshaking";
    case EndpointState::ready: return "ready";
    case EndpointState::rejected: return "rejected";
  }
  return "?";
}

struct EndpointCounters {
  std::uint32_t envelopes_sent = 0;
  std::uint32_t envelopes_received = 0;
  std::uint32_t decode_errors = 0;  // a record that passed the CRC but is not a valid envelope
  std::uint32_t refused = 0;        // reliable envelopes the owner could not take yet (retried)
  std::uint32_t unexpected = 0;     // envelopes before the handshake, or after a rejection
  std::uint32_t handshakes = 0;     // peer handshakes accepted
  std::uint32_t rejections = 0;     // peer handshakes refused
  std::uint32_t goodbyes = 0;       // the peer said it was leaving
};

// Where an endpoint's bytes go (a UART driver, a libuv stream, a simulator).
struct ByteSink {
  void* context = nullptr;
  void (*write)(void* context, std::span<const std::uint8_t> bytes) = nullptr;
};

class Endpoint {
 public:
  using Session = LinkSession<4, kDefaultMaxBody>;
  static_assert(lit_wire_Envelope_size + 2 <= kDefaultMaxBody,
                "every envelope must fit one frame record (lit.options bounds)");
  // The handshake's own send token; owners' tokens must differ.
  static constexpr std::uint32_t kHandshakeToken = 0xFFFF'FFFFU;

  // `schema_hash` is this build's; tests pass another to play a mismatched peer.
  // `kinds`: the bodies this end encodes and decodes (envelope.hpp); a body
  // of another kind arrives as an envelope without one, and cannot be sent.
  Endpoint(ByteSink sink,
           const SessionConfig& config,
           std::uint64_t schema_hash = kSchemaHash,
           BodyKinds kinds = kEveryBody)
      : session_(config), sink_(sink), schema_hash_(schema_hash), kinds_(kinds) {}

  template <class Owner>
  void on_bytes(std::span<const std::uint8_t> bytes, Millis now, Owner& owner) {
    Adapter<Owner> adapter{*this, owner, now};
    session_.on_bytes(bytes, now, adapter);
  }

  template <class Owner>
  void poll(Millis now, Owner& owner) {
    Adapter<Owner> adapter{*this, owner, now};
    Output output{sink_};
    session_.poll(now, output, adapter);
  }

  Millis next_deadline() const { return session_.next_deadline(); }

  // A reliable envelope; `token` comes back through on_send_failed if the link
  // goes down before the peer has it.
  SendResult send(const Envelope& envelope, Millis now, std::uint32_t token = 0) {
    if (state_ == EndpointState::down) return SendResult::link_down;
    const std::size_t size = encode_envelope(envelope, buffer_, kinds_);
    if (size == 0) return SendResult::too_long;
    const SendResult result = session_.send_reliable(std::span<const std::uint8_t>(buffer_.data(), size), now, token);
    if (result == SendResult::ok) ++counters_.envelopes_sent;
    return result;
  }

  // A best-effort envelope, transmitted at once.
  SendResult send_best_effort(const Envelope& envelope, Millis now) {
    if (state_ == EndpointState::down) return SendResult::link_down;
    const std::size_t size = encode_envelope(envelope, buffer_, kinds_);
    if (size == 0) return SendResult::too_long;
    Output output{sink_};
    const SendResult result =
        session_.send_best_effort(std::span<const std::uint8_t>(buffer_.data(), size), now, output);
    if (result == SendResult::ok) ++counters_.envelopes_sent;
    return result;
  }

  EndpointState state() const { return state_; }
  bool ready() const { return state_ == EndpointState::ready; }
  bool window_open() const { return session_.in_flight() < Session::kWindow; }
  // Why the last peer handshake was refused ("" if none was).
  const char* error() const { return error_.data(); }
  const EndpointCounters& counters() const { return counters_; }
  const Session& session() const { return session_; }

 private:
  struct Output {
    ByteSink sink;
    void write(std::span<const std::uint8_t> bytes) const { sink.write(sink.context, bytes); }
  };

  template <class Owner>
  struct Adapter {
    Endpoint& endpoint;
    Owner& owner;
    Millis now;
    bool on_reliable(std::span<const std::uint8_t> body) { return endpoint.receive(body, owner, now); }
    void on_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap) {
      endpoint.receive_best_effort(body, gap, owner);
    }
    void on_link_up() { endpoint.link_up(owner, now); }
    void on_link_down() { endpoint.link_down(owner); }
    void on_send_failed(std::uint32_t token) {
      if (token != kHandshakeToken) owner.on_send_failed(token);
    }
  };

  template <class Owner>
  void link_up(Owner& owner, Millis now) {
    state_ = EndpointState::handshaking;
    Envelope hello = lit_wire_Envelope_init_zero;
    hello.which_body = lit_wire_Envelope_handshake_tag;
    hello.body.handshake.protocol_version = kProtocolVersion;
    hello.body.handshake.schema_hash = schema_hash_;
    owner.fill_handshake(hello.body.handshake);
    // The session was reset when the link came up: its window is empty.
    static_cast<void>(send(hello, now, kHandshakeToken));
    owner.on_link_up();
  }

  template <class Owner>
  void link_down(Owner& owner) {
    const bool was_ready = state_ == EndpointState::ready;
    state_ = EndpointState::down;
    owner.on_link_down(was_ready);
  }

  template <class Owner>
  bool receive(std::span<const std::uint8_t> body, Owner& owner, Millis now) {
    static_cast<void>(now);
    if (!decode_envelope(body, scratch_, kinds_)) {
      ++counters_.decode_errors;  // retransmitting it would not help: take it
      return true;
    }
    if (scratch_.which_body == lit_wire_Envelope_handshake_tag) {
      check_handshake(scratch_.body.handshake, owner);
      return true;
    }
    if (scratch_.which_body == lit_wire_Envelope_goodbye_tag) {
      ++counters_.goodbyes;
      return true;
    }
    if (state_ != EndpointState::ready) {
      ++counters_.unexpected;
      return true;
    }
    if (!owner.on_envelope(scratch_)) {
      ++counters_.refused;
      return false;
    }
    ++counters_.envelopes_received;
    return true;
  }

  template <class Owner>
  void receive_best_effort(std::span<const std::uint8_t> body, std::uint32_t gap, Owner& owner) {
    if (!decode_envelope(body, scratch_, kinds_)) {
      ++counters_.decode_errors;
      return;
    }
    if (state_ != EndpointState::ready) {
      ++counters_.unexpected;
      return;
    }
    ++counters_.envelopes_received;
    owner.on_best_effort(scratch_, gap);
  }

  template <class Owner>
  void check_handshake(const lit_wire_Handshake& peer, Owner& owner) {
    // Formatted by hand: the firmware's printf has no 64-bit conversions.
    Text text{error_};
    if (peer.protocol_version != kProtocolVersion) {
      text.add("link protocol mismatch: the peer speaks version ");
      text.number(peer.protocol_version);
      text.add(", this build speaks version ");
      text.number(kProtocolVersion);
    } else if (peer.schema_hash != schema_hash_) {
      text.add("wire schema mismatch: the peer was built with schema ");
      text.hex(peer.schema_hash);
      text.add(", this build with ");
      text.hex(schema_hash_);
      text.add(" (build both from the same proto/)");
    } else {
      state_ = EndpointState::ready;
      ++counters_.handshakes;
      owner.on_handshake(peer);
      return;
    }
    state_ = EndpointState::rejected;
    ++counters_.rejections;
    owner.on_rejected(error_.data());
  }

  // Appends to a fixed buffer, truncating, always NUL-terminated.
  struct Text {
    std::array<char, 160>& out;
    std::size_t used = 0;
    void put(char c) {
      if (used + 1 < out.size()) out[used++] = c;
      out[used] = '\0';
    }
    void add(const char* s) {
      while (*s != '\0') put(*s++);
    }
    void number(std::uint32_t value) {
      char digits[10];
      std::size_t n = 0;
      do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
      } while (value != 0);
      while (n != 0) put(digits[--n]);
    }
    void hex(std::uint64_t value) {
      add("0x");
      for (int shift = 60; shift >= 0; shift -= 4)
        put("0123456789abcdef"[(value >> static_cast<unsigned>(shift)) & 0xFU]);
    }
  };

  Session session_;
  ByteSink sink_;
  std::uint64_t schema_hash_;
  BodyKinds kinds_;
  EndpointState state_ = EndpointState::down;
  EndpointCounters counters_{};
  Envelope scratch_ = lit_wire_Envelope_init_zero;
  std::array<std::uint8_t, kEnvelopeBuffer> buffer_{};
  std::array<char, 160> error_{};
};

}  // namespace lit::link

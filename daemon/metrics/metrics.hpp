// litd's Prometheus metrics: the registry the daemon feeds, and the HTTP server
// that exposes it. Loop threads hand in absolute snapshots of the runtime's own
// counters (about once a second); Metrics turns them into counter growth under
// one short lock, so any thread may call it and no call blocks a loop for long.
// Label values come only from the configuration (types, configured paths,
// supervisors, devices), never from traffic, so every label set stays bounded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Exposer;
class Registry;
}  // namespace prometheus

namespace lit::daemon {

// ---- histograms as the loops count them -----------------------------------------

// lit_actor_processing_seconds: a handler's work is microseconds to a few
// milliseconds. 1-2.5-5 steps per decade from 1 µs to 10 ms resolve that range;
// 0.1 s and 1 s only tell a stalled handler from a slow one.
inline constexpr std::array<double, 15> kProcessingBucketsSeconds{
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 1e-1, 1.0};
// lit_device_rtt_seconds: a UART round trip, 1 ms (a fast pty) to 2 s (the
// session's backed-off retransmission timeout).
inline constexpr std::array<double, 11> kRttBucketsSeconds{
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0};

// What a loop keeps for one histogram: how many observations fell in each
// bucket (not cumulative; bucket i holds (Bounds[i-1], Bounds[i]], the last one
// everything above Bounds.back()) and their sum, both since the owner started.
// Owned by one thread; nothing here locks or allocates.
template <const auto& Bounds>
struct HistogramCounts {
  static constexpr std::size_t kBuckets = Bounds.size() + 1;
  std::array<std::uint64_t, kBuckets> buckets{};
  double sum_seconds = 0;

  void observe(double seconds) {
    std::size_t bucket = 0;
    while (bucket < Bounds.size() && seconds > Bounds[bucket]) ++bucket;
    ++buckets[bucket];
    sum_seconds += seconds;
  }
  std::uint64_t count() const {
    std::uint64_t total = 0;
    for (const std::uint64_t in_bucket : buckets) total += in_bucket;
    return total;
  }
};
using ProcessingHistogram = HistogramCounts<kProcessingBucketsSeconds>;
using RttHistogram = HistogramCounts<kRttBucketsSeconds>;

// ---- snapshots --------------------------------------------------------------------
// Every count is absolute: its total since the thing it counts started. A count
// lower than in the previous snapshot means that thing started again (an actor
// restarted with fresh counters, a device session was recreated); its new value
// is then taken as growth from zero, so no Prometheus counter ever decreases.
// Strings are views: they need to live only for the call that takes the snapshot.

struct ActorSample {
  std::string_view path;         // its configured path ("root/edge/pinger")
  std::string_view type;         // its configured type ("pinger"); empty: "unknown"
  std::uint64_t messages = 0;    // messages handled
  std::uint64_t drops = 0;       // messages lost to a full mailbox (dropped or refused by its overflow policy)
  std::uint64_t rejections = 0;  // sends refused as dead (stale incarnation) or invalid (unknown event)
  std::uint64_t discarded = 0;   // still queued when an incarnation stopped: discarded unread
  std::uint64_t restarts = 0;
  std::uint32_t mailbox_depth = 0;  // messages queued now
  ProcessingHistogram processing{};
};

struct SupervisorSample {
  std::string_view path;
  std::uint64_t restarts = 0;       // children restarted
  std::uint64_t link_restarts = 0;  // children restarted after a device link loss (their own budget)
  std::uint64_t escalations = 0;    // times its restart intensity was exceeded and it failed upward
};

// The label `kind` of lit_device_errors_total, in this order.
enum class FrameErrorKind : std::uint8_t { crc, framing, header, length, version, overrun, decode };
inline constexpr std::size_t kFrameErrorKinds = 7;
const char* to_string(FrameErrorKind kind);

// Who answered the last handshake on a device's link.
struct DeviceIdentity {
  std::uint64_t boot_id = 0;
  std::string_view firmware;
};

struct DeviceSample {
  std::string_view name;  // its configured name
  bool link_up = false;
  std::uint64_t frames_received = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::array<std::uint64_t, kFrameErrorKinds> errors{};  // indexed by FrameErrorKind
  std::uint64_t retransmits = 0;
  std::uint64_t reconnects = 0;
  RttHistogram rtt{};
  // Empty until the first handshake; afterwards the last one's, also while the
  // link is down (lit_device_info keeps naming the device last seen).
  std::optional<DeviceIdentity> identity{};
};

// The daemon process itself (read by read_process()).
struct ProcessSample {
  double resident_bytes = 0;  // process_resident_memory_bytes
  double open_fds = 0;        // process_open_fds
  double heap_bytes = 0;      // lit_daemon_heap_bytes: malloc'd and not freed (mallinfo2)
};
// From /proc/self and the allocator; fields it cannot read stay 0.
ProcessSample read_process();

// One loop's snapshot. A loop may keep one and refill it each time: clearing the
// vectors keeps their capacity.
struct Snapshot {
  std::vector<ActorSample> actors;
  std::vector<SupervisorSample> supervisors;
  std::vector<DeviceSample> devices;
};

enum class ReloadResult : std::uint8_t { ok, rejected };
enum class ControlResult : std::uint8_t { ok, error, refused };

// ---- the registry -------------------------------------------------------------------

class Metrics {
 public:
  // `version` labels lit_build_info; lit_daemon_start_time_seconds is now.
  explicit Metrics(std::string_view version);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The actors that get their own series, labelled {path, type} (the config's
  // metrics.actor_paths). Every other actor adds to its type's series, labelled
  // {type}. An actor that moves between the two carries on from its last
  // counts, so no message is counted twice.
  void set_actor_paths(std::span<const std::string> paths);

  void update(const Snapshot& snapshot);
  void update(const ProcessSample& process);

  // For a reload that removed something from the config. Series of its own
  // disappear; what an actor added to its type's counters stays counted (a
  // counter never decreases), its mailbox depth leaves the type's gauge, and the
  // type's series go when the type's last actor does.
  void remove_actor(std::string_view path);
  void remove_supervisor(std::string_view path);
  void remove_device(std::string_view name);

  void count_config_reload(ReloadResult result);
  void count_control_request(ControlResult result);

  // The text exposition a scrape returns.
  std::string exposition() const;
  std::shared_ptr<prometheus::Registry> registry() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// ---- the HTTP endpoint ------------------------------------------------------------------

// Serves a Metrics' registry at http://LISTEN/metrics from civetweb's own
// threads. Start and stop it from the daemon's main thread, never from a loop:
// stopping waits for civetweb's threads (about 2 s once a scrape was served).
// No exception leaves it.
class MetricsServer {
 public:
  MetricsServer();
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // `listen` is IPV4:PORT ("127.0.0.1:9464"; port 0 picks a free one, see
  // port()). False, with `error` saying why ("metrics: cannot listen on
  // 127.0.0.1:9464: address in use"), if the address is malformed or cannot be
  // bound; a server already running is stopped first.
  bool start(std::string_view listen, const Metrics& metrics, std::string& error);
  void stop();
  bool running() const;
  // The port bound by the last successful start; 0 when not running.
  std::uint16_t port() const;

 private:
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::uint16_t port_ = 0;
};

}  // namespace lit::daemon

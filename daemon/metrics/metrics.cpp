// The registry behind Metrics: prometheus-cpp families plus, per actor,
// supervisor and device, the last absolute counts seen, from which each snapshot
// is turned into counter growth. One mutex guards that bookkeeping; it is held
// for a snapshot's worth of map look-ups and atomic adds, never across I/O, and
// scrapes (civetweb's threads) never take it.
#include "metrics/metrics.hpp"

#include <malloc.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <utility>

// Under AddressSanitizer malloc is the sanitizer's, and mallinfo2() knows
// nothing of it: ask the sanitizer instead.
#if defined(__SANITIZE_ADDRESS__)
#define LIT_HEAP_FROM_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LIT_HEAP_FROM_SANITIZER 1
#endif
#endif
#if defined(LIT_HEAP_FROM_SANITIZER)
// The sanitizer runtime's public interface (GCC ships no header for it).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace lit::daemon {

const char* to_string(FrameErrorKind kind) {
  switch (kind) {
    case FrameErrorKind::crc: return "crc";
    case FrameErrorKind::framing: return "framing";
    case FrameErrorKind::header: return "header";
    case FrameErrorKind::length: return "length";
    case FrameErrorKind::version: return "version";
    case FrameErrorKind::overrun: return "overrun";
    case FrameErrorKind::decode: return "decode";
  }
  return "?";
}

namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;
using prometheus::Labels;

// How far an absolute count grew since `last` (which it then replaces). A count
// below `last` restarted from zero, so all of it is new.
std::uint64_t growth(std::uint64_t& last, std::uint64_t now) {
  const std::uint64_t grown = now >= last ? now - last : now;
  last = now;
  return grown;
}

void advance(Counter& counter, std::uint64_t& last, std::uint64_t now) {
  const std::uint64_t grown = growth(last, now);
  if (grown != 0) counter.Increment(static_cast<double>(grown));
}

// The same for a histogram: one restarted bucket (or a smaller sum) means the
// whole histogram restarted, so the new counts are all growth.
template <const auto& Bounds>
void advance(Histogram& histogram, HistogramCounts<Bounds>& last, const HistogramCounts<Bounds>& now) {
  bool restarted = now.sum_seconds < last.sum_seconds;
  for (std::size_t i = 0; i < now.buckets.size(); ++i) restarted = restarted || now.buckets[i] < last.buckets[i];
  std::vector<double> increments(now.buckets.size());
  bool grew = false;
  for (std::size_t i = 0; i < now.buckets.size(); ++i) {
    const std::uint64_t grown = restarted ? now.buckets[i] : now.buckets[i] - last.buckets[i];
    increments[i] = static_cast<double>(grown);
    grew = grew || grown != 0;
  }
  const double sum = restarted ? now.sum_seconds : now.sum_seconds - last.sum_seconds;
  last = now;
  if (grew || sum != 0) histogram.ObserveMultiple(increments, sum);
}

template <std::size_t N>
Histogram::BucketBoundaries boundaries(const std::array<double, N>& bounds) {
  return {bounds.begin(), bounds.end()};
}

std::string hex_boot_id(std::uint64_t boot_id) {
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(boot_id));
  return text.data();
}

// The series one actor key (a type, or a configured path) owns, and how many
// actors feed them.
struct ActorSeries {
  Counter* messages = nullptr;
  Counter* drops = nullptr;
  Counter* rejections = nullptr;
  Counter* discarded = nullptr;
  Counter* restarts = nullptr;
  Gauge* mailbox_depth = nullptr;
  Histogram* processing = nullptr;
  std::size_t members = 0;
};

struct ActorRecord {
  std::string type{};
  bool by_path = false;
  ActorSample last{};  // its views are not kept: path and type are cleared
};

struct SupervisorRecord {
  Counter* restarts = nullptr;
  Counter* link_restarts = nullptr;
  Counter* escalations = nullptr;
  SupervisorSample last{};
};

struct DeviceRecord {
  Gauge* link_up = nullptr;
  Counter* frames_received = nullptr;
  Counter* frames_sent = nullptr;
  Counter* bytes_received = nullptr;
  Counter* bytes_sent = nullptr;
  std::array<Counter*, kFrameErrorKinds> errors{};
  Counter* retransmits = nullptr;
  Counter* reconnects = nullptr;
  Histogram* rtt = nullptr;
  Gauge* info = nullptr;
  std::string boot_id{};  // the labels of `info`
  std::string firmware{};
  DeviceSample last{};
};

}  // namespace

struct Metrics::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  template <class Builder>
  auto& family(Builder builder, const char* name, const char* help) {
    return builder.Name(name).Help(help).Register(*registry);
  }
  Family<Counter>& counters(const char* name, const char* help) {
    return family(prometheus::BuildCounter(), name, help);
  }
  Family<Gauge>& gauges(const char* name, const char* help) { return family(prometheus::BuildGauge(), name, help); }
  Family<Histogram>& histograms(const char* name, const char* help) {
    return family(prometheus::BuildHistogram(), name, help);
  }

  Family<Counter>& actor_messages = counters("lit_actor_messages_total", "Messages handled by actors");
  Family<Counter>& actor_drops =
      counters("lit_actor_drops_total", "Messages lost to a full mailbox, dropped or refused by its overflow policy");
  Family<Counter>& actor_rejections =
      counters("lit_actor_rejections_total",
               "Sends refused because the addressed incarnation had stopped or the event was invalid");
  Family<Counter>& actor_discarded =
      counters("lit_actor_discarded_total",
               "Messages still queued when their actor's incarnation stopped (restart, stop, link loss), discarded "
               "unread");
  Family<Gauge>& actor_mailbox_depth =
      gauges("lit_actor_mailbox_depth", "Messages queued in actor mailboxes at the last snapshot");
  Family<Counter>& actor_restarts = counters("lit_actor_restarts_total", "Actor restarts");
  Family<Histogram>& actor_processing =
      histograms("lit_actor_processing_seconds", "Time actors spent handling messages");

  Family<Counter>& supervisor_restarts =
      counters("lit_supervisor_restarts_total", "Children restarted by the supervisor");
  Family<Counter>& supervisor_link_restarts =
      counters("lit_supervisor_link_restarts_total", "Children restarted by the supervisor after a device link loss");
  Family<Counter>& supervisor_escalations = counters(
      "lit_supervisor_escalations_total", "Times the supervisor exceeded its restart intensity and failed upward");

  Family<Gauge>& device_link_up = gauges("lit_device_link_up", "1 while the device's link is up, else 0");
  Family<Counter>& device_frames = counters("lit_device_frames_total", "Link frames received (rx) and sent (tx)");
  Family<Counter>& device_bytes =
      counters("lit_device_bytes_total", "Bytes received (rx) and sent (tx) on the device's serial port");
  Family<Counter>& device_errors =
      counters("lit_device_errors_total", "Received frames or bytes rejected, by kind of error");
  Family<Counter>& device_retransmits = counters("lit_device_retransmits_total", "Reliable link frames sent again");
  Family<Histogram>& device_rtt =
      histograms("lit_device_rtt_seconds", "Link round-trip times measured from acknowledgements");
  Family<Counter>& device_reconnects =
      counters("lit_device_reconnects_total", "Times the daemon reopened the device's serial port");
  Family<Gauge>& device_info =
      gauges("lit_device_info", "The boot id and firmware of the device's last handshake (always 1)");

  Gauge& process_resident = gauges("process_resident_memory_bytes", "Resident memory size in bytes (litd)").Add({});
  Gauge& process_fds = gauges("process_open_fds", "Number of open file descriptors (litd)").Add({});
  Gauge& daemon_heap =
      gauges("lit_daemon_heap_bytes", "Bytes litd has allocated and not freed (the allocator's count, mallinfo2)")
          .Add({});
  Family<Gauge>& build_info = gauges("lit_build_info", "The daemon's version (always 1)");
  Family<Gauge>& start_time =
      gauges("lit_daemon_start_time_seconds", "When the daemon started, in seconds since the Unix epoch");
  Family<Counter>& config_reloads =
      counters("lit_config_reloads_total", "Configuration reloads, applied (ok) or refused (rejected)");
  Family<Counter>& control_requests = counters(
      "lit_control_requests_total", "Control socket requests by outcome: ok, error, or refused (not authorised)");

  std::array<Counter*, 2> reloads{&config_reloads.Add({{"result", "ok"}}),
                                  &config_reloads.Add({{"result", "rejected"}})};
  std::array<Counter*, 3> controls{&control_requests.Add({{"result", "ok"}}),
                                   &control_requests.Add({{"result", "error"}}),
                                   &control_requests.Add({{"result", "refused"}})};

  std::mutex mutex;  // guards everything below
  std::set<std::string, std::less<>> actor_paths;
  std::map<std::string, ActorSeries, std::less<>> series_by_type;
  std::map<std::string, ActorSeries, std::less<>> series_by_path;
  std::map<std::string, ActorRecord, std::less<>> actors;
  std::map<std::string, SupervisorRecord, std::less<>> supervisors;
  std::map<std::string, DeviceRecord, std::less<>> devices;

  // ---- actors ----
  ActorSeries& series_of(std::string_view path, const ActorRecord& record) {
    auto& by_key = record.by_path ? series_by_path : series_by_type;
    const std::string_view key = record.by_path ? path : std::string_view(record.type);
    auto found = by_key.find(key);
    if (found != by_key.end()) return found->second;
    const Labels labels =
        record.by_path ? Labels{{"path", std::string(path)}, {"type", record.type}} : Labels{{"type", record.type}};
    ActorSeries series{
        .messages = &actor_messages.Add(labels),
        .drops = &actor_drops.Add(labels),
        .rejections = &actor_rejections.Add(labels),
        .discarded = &actor_discarded.Add(labels),
        .restarts = &actor_restarts.Add(labels),
        .mailbox_depth = &actor_mailbox_depth.Add(labels),
        .processing = &actor_processing.Add(labels, boundaries(kProcessingBucketsSeconds)),
    };
    return by_key.emplace(std::string(key), series).first->second;
  }

  void attach(std::string_view path, const ActorRecord& record) {
    ActorSeries& series = series_of(path, record);
    ++series.members;
    series.mailbox_depth->Increment(record.last.mailbox_depth);
  }

  void detach(std::string_view path, const ActorRecord& record) {
    auto& by_key = record.by_path ? series_by_path : series_by_type;
    auto found = by_key.find(record.by_path ? path : std::string_view(record.type));
    if (found == by_key.end()) return;
    ActorSeries& series = found->second;
    series.mailbox_depth->Decrement(record.last.mailbox_depth);
    if (--series.members != 0) return;
    actor_messages.Remove(series.messages);
    actor_drops.Remove(series.drops);
    actor_rejections.Remove(series.rejections);
    actor_discarded.Remove(series.discarded);
    actor_restarts.Remove(series.restarts);
    actor_mailbox_depth.Remove(series.mailbox_depth);
    actor_processing.Remove(series.processing);
    by_key.erase(found);
  }

  void update(const ActorSample& sample) {
    // An empty label value is no label at all to Prometheus: name it.
    const std::string_view type = sample.type.empty() ? std::string_view("unknown") : sample.type;
    auto found = actors.find(sample.path);
    if (found == actors.end()) {
      ActorRecord record{.type = std::string(type), .by_path = actor_paths.contains(sample.path)};
      found = actors.emplace(std::string(sample.path), std::move(record)).first;
      attach(found->first, found->second);
    } else if (found->second.type != type) {
      // A reload gave the path another type: its series move, its counts carry on.
      detach(found->first, found->second);
      found->second.type = std::string(type);
      attach(found->first, found->second);
    }
    ActorRecord& record = found->second;
    ActorSeries& series = series_of(found->first, record);
    ActorSample& last = record.last;
    advance(*series.messages, last.messages, sample.messages);
    advance(*series.drops, last.drops, sample.drops);
    advance(*series.rejections, last.rejections, sample.rejections);
    advance(*series.discarded, last.discarded, sample.discarded);
    advance(*series.restarts, last.restarts, sample.restarts);
    series.mailbox_depth->Increment(static_cast<double>(sample.mailbox_depth) - last.mailbox_depth);
    last.mailbox_depth = sample.mailbox_depth;
    advance(*series.processing, last.processing, sample.processing);
  }

  // ---- supervisors ----
  void update(const SupervisorSample& sample) {
    auto found = supervisors.find(sample.path);
    if (found == supervisors.end()) {
      const Labels labels{{"path", std::string(sample.path)}};
      SupervisorRecord record{
          .restarts = &supervisor_restarts.Add(labels),
          .link_restarts = &supervisor_link_restarts.Add(labels),
          .escalations = &supervisor_escalations.Add(labels),
      };
      found = supervisors.emplace(std::string(sample.path), record).first;
    }
    SupervisorRecord& record = found->second;
    advance(*record.restarts, record.last.restarts, sample.restarts);
    advance(*record.link_restarts, record.last.link_restarts, sample.link_restarts);
    advance(*record.escalations, record.last.escalations, sample.escalations);
  }

  void remove(SupervisorRecord& record) {
    supervisor_restarts.Remove(record.restarts);
    supervisor_link_restarts.Remove(record.link_restarts);
    supervisor_escalations.Remove(record.escalations);
  }

  // ---- devices ----
  DeviceRecord& device_record(std::string_view name) {
    auto found = devices.find(name);
    if (found != devices.end()) return found->second;
    const std::string device(name);
    const auto labelled = [&](const char* label, const char* value) {
      return Labels{{"device", device}, {label, value}};
    };
    DeviceRecord record{
        .link_up = &device_link_up.Add({{"device", device}}),
        .frames_received = &device_frames.Add(labelled("direction", "rx")),
        .frames_sent = &device_frames.Add(labelled("direction", "tx")),
        .bytes_received = &device_bytes.Add(labelled("direction", "rx")),
        .bytes_sent = &device_bytes.Add(labelled("direction", "tx")),
        .retransmits = &device_retransmits.Add({{"device", device}}),
        .reconnects = &device_reconnects.Add({{"device", device}}),
        .rtt = &device_rtt.Add({{"device", device}}, boundaries(kRttBucketsSeconds)),
    };
    for (std::size_t kind = 0; kind < kFrameErrorKinds; ++kind) {
      record.errors[kind] = &device_errors.Add(labelled("kind", to_string(static_cast<FrameErrorKind>(kind))));
    }
    return devices.emplace(device, record).first->second;
  }

  void update(const DeviceSample& sample) {
    DeviceRecord& record = device_record(sample.name);
    DeviceSample& last = record.last;
    record.link_up->Set(sample.link_up ? 1 : 0);
    advance(*record.frames_received, last.frames_received, sample.frames_received);
    advance(*record.frames_sent, last.frames_sent, sample.frames_sent);
    advance(*record.bytes_received, last.bytes_received, sample.bytes_received);
    advance(*record.bytes_sent, last.bytes_sent, sample.bytes_sent);
    for (std::size_t kind = 0; kind < kFrameErrorKinds; ++kind) {
      advance(*record.errors[kind], last.errors[kind], sample.errors[kind]);
    }
    advance(*record.retransmits, last.retransmits, sample.retransmits);
    advance(*record.reconnects, last.reconnects, sample.reconnects);
    advance(*record.rtt, last.rtt, sample.rtt);
    if (sample.identity) update_info(sample.name, record, *sample.identity);
  }

  // Only the current identity has a series: a new boot id or firmware replaces it.
  void update_info(std::string_view name, DeviceRecord& record, const DeviceIdentity& identity) {
    std::string boot_id = hex_boot_id(identity.boot_id);
    if (record.info != nullptr && record.boot_id == boot_id && record.firmware == identity.firmware) return;
    if (record.info != nullptr) device_info.Remove(record.info);
    record.boot_id = std::move(boot_id);
    record.firmware = std::string(identity.firmware);
    record.info =
        &device_info.Add({{"device", std::string(name)}, {"boot_id", record.boot_id}, {"firmware", record.firmware}});
    record.info->Set(1);
  }

  void remove(DeviceRecord& record) {
    device_link_up.Remove(record.link_up);
    device_frames.Remove(record.frames_received);
    device_frames.Remove(record.frames_sent);
    device_bytes.Remove(record.bytes_received);
    device_bytes.Remove(record.bytes_sent);
    for (Counter* errors : record.errors) device_errors.Remove(errors);
    device_retransmits.Remove(record.retransmits);
    device_reconnects.Remove(record.reconnects);
    device_rtt.Remove(record.rtt);
    if (record.info != nullptr) device_info.Remove(record.info);
  }
};

Metrics::Metrics(std::string_view version) : state_(std::make_unique<State>()) {
  state_->build_info.Add({{"version", std::string(version)}}).Set(1);
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  state_->start_time.Add({}).Set(std::chrono::duration<double>(since_epoch).count());
}

Metrics::~Metrics() = default;

void Metrics::set_actor_paths(std::span<const std::string> paths) {
  const std::lock_guard lock(state_->mutex);
  state_->actor_paths = std::set<std::string, std::less<>>(paths.begin(), paths.end());
  for (auto& [path, record] : state_->actors) {
    const bool by_path = state_->actor_paths.contains(path);
    if (by_path == record.by_path) continue;
    state_->detach(path, record);
    record.by_path = by_path;
    state_->attach(path, record);
  }
}

void Metrics::update(const Snapshot& snapshot) {
  const std::lock_guard lock(state_->mutex);
  for (const ActorSample& sample : snapshot.actors) state_->update(sample);
  for (const SupervisorSample& sample : snapshot.supervisors) state_->update(sample);
  for (const DeviceSample& sample : snapshot.devices) state_->update(sample);
}

void Metrics::update(const ProcessSample& process) {
  state_->process_resident.Set(process.resident_bytes);
  state_->process_fds.Set(process.open_fds);
  state_->daemon_heap.Set(process.heap_bytes);
}

ProcessSample read_process() {
  ProcessSample process;
  if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
    unsigned long pages = 0;
    unsigned long resident = 0;
    if (std::fscanf(statm, "%lu %lu", &pages, &resident) == 2) {
      process.resident_bytes = static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
    }
    std::fclose(statm);
  }
  std::error_code error;
  for (auto entry = std::filesystem::directory_iterator("/proc/self/fd", error);
       !error && entry != std::filesystem::directory_iterator();
       entry.increment(error)) {
    ++process.open_fds;
  }
  if (process.open_fds > 0) --process.open_fds;  // the iterator's own descriptor
#if defined(LIT_HEAP_FROM_SANITIZER)
  process.heap_bytes = static_cast<double>(__sanitizer_get_current_allocated_bytes());
#else
  const struct mallinfo2 heap = mallinfo2();
  process.heap_bytes = static_cast<double>(heap.uordblks + heap.hblkhd);
#endif
  return process;
}

void Metrics::remove_actor(std::string_view path) {
  const std::lock_guard lock(state_->mutex);
  auto found = state_->actors.find(path);
  if (found == state_->actors.end()) return;
  state_->detach(found->first, found->second);
  state_->actors.erase(found);
}

void Metrics::remove_supervisor(std::string_view path) {
  const std::lock_guard lock(state_->mutex);
  auto found = state_->supervisors.find(path);
  if (found == state_->supervisors.end()) return;
  state_->remove(found->second);
  state_->supervisors.erase(found);
}

void Metrics::remove_device(std::string_view name) {
  const std::lock_guard lock(state_->mutex);
  auto found = state_->devices.find(name);
  if (found == state_->devices.end()) return;
  state_->remove(found->second);
  state_->devices.erase(found);
}

void Metrics::count_config_reload(ReloadResult result) {
  state_->reloads[static_cast<std::size_t>(result)]->Increment();
}

void Metrics::count_control_request(ControlResult result) {
  state_->controls[static_cast<std::size_t>(result)]->Increment();
}

std::string Metrics::exposition() const { return prometheus::TextSerializer().Serialize(state_->registry->Collect()); }

std::shared_ptr<prometheus::Registry> Metrics::registry() const { return state_->registry; }

}  // namespace lit::daemon

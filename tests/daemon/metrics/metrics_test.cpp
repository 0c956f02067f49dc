// Metrics as a scraper sees them: snapshots go in through Metrics::update, and
// every assertion reads /metrics from the one MetricsServer this binary runs
// (stopping a server that served a request takes about 2 s). The registry is
// shared too, so each test keeps to label values of its own.
#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "scrape.hpp"

namespace lit::daemon {
namespace {

using test::Samples;
using test::select;

double seconds_since_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Shared {
  double created_after = 0;
  Metrics metrics{"1.2.3-test"};
  double created_before = 0;
  MetricsServer server;
};

std::unique_ptr<Shared> shared;

class ServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const double before = seconds_since_epoch();
    shared = std::make_unique<Shared>();
    shared->created_after = before;
    shared->created_before = seconds_since_epoch();
    std::string error;
    ASSERT_TRUE(shared->server.start("127.0.0.1:0", shared->metrics, error)) << error;
  }
  void TearDown() override { shared.reset(); }
};

[[maybe_unused]] ::testing::Environment* const environment = ::testing::AddGlobalTestEnvironment(new ServerEnvironment);

Metrics& metrics() { return shared->metrics; }

std::string scrape_text() {
  const test::HttpResponse response = test::http_get(shared->server.port(), "/metrics");
  EXPECT_EQ(response.status, 200);
  return response.body;
}

Samples scrape() { return test::parse_samples(scrape_text()); }

void update(const ActorSample& sample) {
  Snapshot snapshot;
  snapshot.actors.push_back(sample);
  metrics().update(snapshot);
}

void update(const SupervisorSample& sample) {
  Snapshot snapshot;
  snapshot.supervisors.push_back(sample);
  metrics().update(snapshot);
}

void update(const DeviceSample& sample) {
  Snapshot snapshot;
  snapshot.devices.push_back(sample);
  metrics().update(snapshot);
}

// ---- actors ------------------------------------------------------------------------

TEST(Metrics, actor_counters_grow_by_the_difference_between_snapshots) {
  ActorSample sample{
      .path = "counts/a", .type = "t_counts", .messages = 10, .drops = 1, .rejections = 2, .discarded = 3};
  update(sample);
  sample.messages = 25;
  sample.drops = 4;
  sample.restarts = 1;
  update(sample);
  update(sample);  // nothing new: nothing added

  const Samples samples = scrape();
  EXPECT_EQ(select(samples, "lit_actor_messages_total", R"(type="t_counts")"),
            (Samples{{R"(lit_actor_messages_total{type="t_counts"})", 25}}));
  EXPECT_EQ(select(samples, "lit_actor_drops_total", R"(type="t_counts")"),
            (Samples{{R"(lit_actor_drops_total{type="t_counts"})", 4}}));
  EXPECT_EQ(select(samples, "lit_actor_rejections_total", R"(type="t_counts")"),
            (Samples{{R"(lit_actor_rejections_total{type="t_counts"})", 2}}));
  EXPECT_EQ(select(samples, "lit_actor_restarts_total", R"(type="t_counts")"),
            (Samples{{R"(lit_actor_restarts_total{type="t_counts"})", 1}}));
  EXPECT_EQ(select(samples, "lit_actor_discarded_total", R"(type="t_counts")"),
            (Samples{{R"(lit_actor_discarded_total{type="t_counts"})", 3}}));
}

TEST(Metrics, a_count_that_goes_backwards_is_growth_from_zero_so_the_counter_never_decreases) {
  ActorSample sample{.path = "reset/a", .type = "t_reset", .messages = 10};
  update(sample);
  sample.messages = 15;
  update(sample);
  sample.messages = 4;  // the actor's counters restarted: 4 new messages
  update(sample);
  sample.messages = 6;
  update(sample);

  EXPECT_EQ(select(scrape(), "lit_actor_messages_total", R"(type="t_reset")"),
            (Samples{{R"(lit_actor_messages_total{type="t_reset"})", 21}}));
}

TEST(Metrics, actors_share_their_types_series_and_configured_paths_get_their_own) {
  const std::vector<std::string> paths{"share/special"};
  metrics().set_actor_paths(paths);
  update(ActorSample{.path = "share/one", .type = "t_share", .messages = 3, .mailbox_depth = 2});
  update(ActorSample{.path = "share/two", .type = "t_share", .messages = 4, .mailbox_depth = 5});
  update(ActorSample{.path = "share/special", .type = "t_share", .messages = 100, .mailbox_depth = 7});

  const Samples samples = scrape();
  EXPECT_EQ(select(samples, "lit_actor_messages_total", R"(type="t_share")"),
            (Samples{{R"(lit_actor_messages_total{path="share/special",type="t_share"})", 100},
                     {R"(lit_actor_messages_total{type="t_share"})", 7}}));
  EXPECT_EQ(select(samples, "lit_actor_mailbox_depth", R"(type="t_share")"),
            (Samples{{R"(lit_actor_mailbox_depth{path="share/special",type="t_share"})", 7},
                     {R"(lit_actor_mailbox_depth{type="t_share"})", 7}}));
  metrics().set_actor_paths({});
}

TEST(Metrics, a_types_mailbox_depth_is_the_sum_of_its_actors_latest_depths) {
  update(ActorSample{.path = "depth/one", .type = "t_depth", .mailbox_depth = 8});
  update(ActorSample{.path = "depth/two", .type = "t_depth", .mailbox_depth = 3});
  update(ActorSample{.path = "depth/one", .type = "t_depth", .mailbox_depth = 1});

  EXPECT_EQ(select(scrape(), "lit_actor_mailbox_depth", R"(type="t_depth")"),
            (Samples{{R"(lit_actor_mailbox_depth{type="t_depth"})", 4}}));
}

TEST(Metrics, an_actor_without_a_type_is_counted_under_type_unknown) {
  update(ActorSample{.path = "untyped/a", .type = "", .messages = 2});

  EXPECT_EQ(select(scrape(), "lit_actor_messages_total", R"(type="unknown")"),
            (Samples{{R"(lit_actor_messages_total{type="unknown"})", 2}}));
  metrics().remove_actor("untyped/a");
}

TEST(Metrics, an_actor_added_to_the_configured_paths_keeps_counting_from_where_it_was) {
  update(ActorSample{.path = "move/a", .type = "t_move", .messages = 10, .mailbox_depth = 2});
  update(ActorSample{.path = "move/b", .type = "t_move", .messages = 1});
  const std::vector<std::string> paths{"move/a"};
  metrics().set_actor_paths(paths);
  update(ActorSample{.path = "move/a", .type = "t_move", .messages = 13, .mailbox_depth = 2});

  const Samples samples = scrape();
  EXPECT_EQ(select(samples, "lit_actor_messages_total", R"(type="t_move")"),
            (Samples{{R"(lit_actor_messages_total{path="move/a",type="t_move"})", 3},
                     {R"(lit_actor_messages_total{type="t_move"})", 11}}));
  EXPECT_EQ(select(samples, "lit_actor_mailbox_depth", R"(type="t_move")"),
            (Samples{{R"(lit_actor_mailbox_depth{path="move/a",type="t_move"})", 2},
                     {R"(lit_actor_mailbox_depth{type="t_move"})", 0}}));
  metrics().set_actor_paths({});
}

TEST(Metrics, processing_histogram_exposes_cumulative_buckets_sum_and_count) {
  ActorSample sample{.path = "histo/a", .type = "t_histo"};
  sample.processing.observe(0x1p-20);  // 0.95 µs: the 1 µs bucket
  sample.processing.observe(0x1p-10);  // 0.98 ms: the 1 ms bucket
  update(sample);
  sample.processing.observe(0x1p-10);
  sample.processing.observe(4.0);  // above every bound: +Inf only
  update(sample);

  const Samples samples = scrape();
  const std::string bucket = R"(lit_actor_processing_seconds_bucket{type="t_histo",le=")";
  EXPECT_EQ(select(samples, "lit_actor_processing_seconds", R"(type="t_histo")"),
            (Samples{
                {bucket + R"(1e-06"})", 1},
                {bucket + R"(2.5e-06"})", 1},
                {bucket + R"(5e-06"})", 1},
                {bucket + R"(1e-05"})", 1},
                {bucket + R"(2.5e-05"})", 1},
                {bucket + R"(5e-05"})", 1},
                {bucket + R"(0.0001"})", 1},
                {bucket + R"(0.00025"})", 1},
                {bucket + R"(0.0005"})", 1},
                {bucket + R"(0.001"})", 3},
                {bucket + R"(0.0025"})", 3},
                {bucket + R"(0.005"})", 3},
                {bucket + R"(0.01"})", 3},
                {bucket + R"(0.1"})", 3},
                {bucket + R"(1"})", 3},
                {bucket + R"(+Inf"})", 4},
                {R"(lit_actor_processing_seconds_count{type="t_histo"})", 4},
                {R"(lit_actor_processing_seconds_sum{type="t_histo"})",
                 samples.at(R"(lit_actor_processing_seconds_sum{type="t_histo"})")},
            }));
  EXPECT_DOUBLE_EQ(samples.at(R"(lit_actor_processing_seconds_sum{type="t_histo"})"), 4.0 + 0x1p-9 + 0x1p-20);
}

TEST(Metrics, a_histogram_that_goes_backwards_counts_its_new_observations_from_zero) {
  ActorSample sample{.path = "histo_reset/a", .type = "t_histo_reset"};
  sample.processing.observe(0.5);
  sample.processing.observe(0.5);
  update(sample);
  sample.processing = {};  // restarted
  sample.processing.observe(0.25);
  update(sample);

  const Samples samples = scrape();
  EXPECT_EQ(samples.at(R"(lit_actor_processing_seconds_count{type="t_histo_reset"})"), 3);
  EXPECT_EQ(samples.at(R"(lit_actor_processing_seconds_sum{type="t_histo_reset"})"), 1.25);
  EXPECT_EQ(samples.at(R"(lit_actor_processing_seconds_bucket{type="t_histo_reset",le="0.1"})"), 0);
  EXPECT_EQ(samples.at(R"(lit_actor_processing_seconds_bucket{type="t_histo_reset",le="1"})"), 3);
}

TEST(Metrics, a_removed_actor_takes_its_own_series_and_its_depth_but_not_its_types_counts) {
  const std::vector<std::string> paths{"gone/special"};
  metrics().set_actor_paths(paths);
  update(ActorSample{.path = "gone/special", .type = "t_gone", .messages = 9});
  update(ActorSample{.path = "gone/one", .type = "t_gone", .messages = 5, .mailbox_depth = 3});
  update(ActorSample{.path = "gone/two", .type = "t_gone", .messages = 6, .mailbox_depth = 4});

  metrics().remove_actor("gone/special");
  metrics().remove_actor("gone/one");
  Samples samples = scrape();
  EXPECT_EQ(select(samples, "lit_actor_messages_total", R"(type="t_gone")"),
            (Samples{{R"(lit_actor_messages_total{type="t_gone"})", 11}}));
  EXPECT_EQ(select(samples, "lit_actor_mailbox_depth", R"(type="t_gone")"),
            (Samples{{R"(lit_actor_mailbox_depth{type="t_gone"})", 4}}));

  metrics().remove_actor("gone/two");
  samples = scrape();
  for (const char* family : {"lit_actor_messages_total",
                             "lit_actor_drops_total",
                             "lit_actor_rejections_total",
                             "lit_actor_restarts_total",
                             "lit_actor_mailbox_depth",
                             "lit_actor_processing_seconds"}) {
    EXPECT_EQ(select(samples, family, R"(type="t_gone")"), Samples{}) << family;
  }
  metrics().set_actor_paths({});
}

TEST(Metrics, updates_from_several_threads_add_up_while_scrapes_run) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kSnapshots = 500;
  std::vector<std::thread> loops;
  loops.reserve(kThreads);
  for (int loop = 0; loop < kThreads; ++loop) {
    loops.emplace_back([loop] {
      const std::string path = "threads/" + std::to_string(loop);
      for (std::uint64_t n = 1; n <= kSnapshots; ++n) {
        update(ActorSample{.path = path, .type = "t_threads", .messages = n * 2, .mailbox_depth = 1});
      }
    });
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(metrics().exposition().empty());
  EXPECT_FALSE(scrape().empty());
  for (std::thread& loop : loops) loop.join();

  const Samples samples = scrape();
  EXPECT_EQ(samples.at(R"(lit_actor_messages_total{type="t_threads"})"), kThreads * kSnapshots * 2);
  EXPECT_EQ(samples.at(R"(lit_actor_mailbox_depth{type="t_threads"})"), kThreads);
}

// ---- supervisors ------------------------------------------------------------------------

TEST(Metrics, supervisor_series_are_per_path_and_go_with_the_supervisor) {
  update(SupervisorSample{.path = "sup/root", .restarts = 3, .link_restarts = 1, .escalations = 0});
  update(SupervisorSample{.path = "sup/root", .restarts = 5, .link_restarts = 1, .escalations = 1});

  Samples samples = scrape();
  EXPECT_EQ(select(samples, "lit_supervisor_restarts_total", R"(path="sup/root")"),
            (Samples{{R"(lit_supervisor_restarts_total{path="sup/root"})", 5}}));
  EXPECT_EQ(select(samples, "lit_supervisor_link_restarts_total", R"(path="sup/root")"),
            (Samples{{R"(lit_supervisor_link_restarts_total{path="sup/root"})", 1}}));
  EXPECT_EQ(select(samples, "lit_supervisor_escalations_total", R"(path="sup/root")"),
            (Samples{{R"(lit_supervisor_escalations_total{path="sup/root"})", 1}}));

  metrics().remove_supervisor("sup/root");
  samples = scrape();
  for (const char* family :
       {"lit_supervisor_restarts_total", "lit_supervisor_link_restarts_total", "lit_supervisor_escalations_total"}) {
    EXPECT_EQ(select(samples, family, R"(path="sup/root")"), Samples{}) << family;
  }
}

// ---- devices --------------------------------------------------------------------------------

TEST(Metrics, device_series_carry_link_state_traffic_errors_retransmits_reconnects_and_rtt) {
  DeviceSample sample{.name = "dev_all",
                      .link_up = true,
                      .frames_received = 10,
                      .frames_sent = 12,
                      .bytes_received = 300,
                      .bytes_sent = 400,
                      .retransmits = 2,
                      .reconnects = 1};
  sample.errors[static_cast<std::size_t>(FrameErrorKind::crc)] = 3;
  sample.errors[static_cast<std::size_t>(FrameErrorKind::overrun)] = 1;
  sample.rtt.observe(0.004);
  sample.rtt.observe(0.004);
  update(sample);
  sample.link_up = false;
  sample.frames_received = 11;
  sample.errors[static_cast<std::size_t>(FrameErrorKind::decode)] = 2;
  update(sample);

  const Samples samples = scrape();
  const std::string device = R"(device="dev_all")";
  EXPECT_EQ(select(samples, "lit_device_link_up", device), (Samples{{R"(lit_device_link_up{device="dev_all"})", 0}}));
  EXPECT_EQ(select(samples, "lit_device_frames_total", device),
            (Samples{{R"(lit_device_frames_total{device="dev_all",direction="rx"})", 11},
                     {R"(lit_device_frames_total{device="dev_all",direction="tx"})", 12}}));
  EXPECT_EQ(select(samples, "lit_device_bytes_total", device),
            (Samples{{R"(lit_device_bytes_total{device="dev_all",direction="rx"})", 300},
                     {R"(lit_device_bytes_total{device="dev_all",direction="tx"})", 400}}));
  EXPECT_EQ(select(samples, "lit_device_errors_total", device),
            (Samples{{R"(lit_device_errors_total{device="dev_all",kind="crc"})", 3},
                     {R"(lit_device_errors_total{device="dev_all",kind="decode"})", 2},
                     {R"(lit_device_errors_total{device="dev_all",kind="framing"})", 0},
                     {R"(lit_device_errors_total{device="dev_all",kind="header"})", 0},
                     {R"(lit_device_errors_total{device="dev_all",kind="length"})", 0},
                     {R"(lit_device_errors_total{device="dev_all",kind="overrun"})", 1},
                     {R"(lit_device_errors_total{device="dev_all",kind="version"})", 0}}));
  EXPECT_EQ(select(samples, "lit_device_retransmits_total", device),
            (Samples{{R"(lit_device_retransmits_total{device="dev_all"})", 2}}));
  EXPECT_EQ(select(samples, "lit_device_reconnects_total", device),
            (Samples{{R"(lit_device_reconnects_total{device="dev_all"})", 1}}));
  const std::string bucket = R"(lit_device_rtt_seconds_bucket{device="dev_all",le=")";
  EXPECT_EQ(samples.at(bucket + R"(0.002"})"), 0);
  EXPECT_EQ(samples.at(bucket + R"(0.005"})"), 2);
  EXPECT_EQ(samples.at(bucket + R"(2"})"), 2);
  EXPECT_EQ(samples.at(bucket + R"(+Inf"})"), 2);
  EXPECT_EQ(samples.at(R"(lit_device_rtt_seconds_count{device="dev_all"})"), 2);
  EXPECT_DOUBLE_EQ(samples.at(R"(lit_device_rtt_seconds_sum{device="dev_all"})"), 0.008);
}

TEST(Metrics, device_info_names_only_the_current_boot_id_and_firmware) {
  DeviceSample sample{.name = "dev_info"};
  update(sample);  // no handshake yet: no info
  EXPECT_EQ(select(scrape(), "lit_device_info", R"(device="dev_info")"), Samples{});

  sample.identity = DeviceIdentity{.boot_id = 0x1234, .firmware = "agent-1.0"};
  update(sample);
  update(sample);
  EXPECT_EQ(select(scrape(), "lit_device_info", R"(device="dev_info")"),
            (Samples{{R"(lit_device_info{boot_id="0000000000001234",device="dev_info",firmware="agent-1.0"})", 1}}));

  sample.identity = DeviceIdentity{.boot_id = 0xfeedface, .firmware = "agent-1.0"};
  update(sample);
  EXPECT_EQ(select(scrape(), "lit_device_info", R"(device="dev_info")"),
            (Samples{{R"(lit_device_info{boot_id="00000000feedface",device="dev_info",firmware="agent-1.0"})", 1}}));

  sample.identity = DeviceIdentity{.boot_id = 0xfeedface, .firmware = "agent-1.1"};
  update(sample);
  sample.identity.reset();  // link down: the last device seen stays named
  update(sample);
  EXPECT_EQ(select(scrape(), "lit_device_info", R"(device="dev_info")"),
            (Samples{{R"(lit_device_info{boot_id="00000000feedface",device="dev_info",firmware="agent-1.1"})", 1}}));
}

TEST(Metrics, a_removed_device_leaves_no_series) {
  DeviceSample sample{.name = "dev_gone", .link_up = true, .frames_received = 4};
  sample.identity = DeviceIdentity{.boot_id = 7, .firmware = "agent"};
  sample.rtt.observe(0.01);
  update(sample);
  ASSERT_NE(scrape_text().find(R"(device="dev_gone")"), std::string::npos);

  metrics().remove_device("dev_gone");
  EXPECT_EQ(scrape_text().find(R"(device="dev_gone")"), std::string::npos);
}

// ---- the daemon ------------------------------------------------------------------------------

TEST(Metrics, daemon_series_give_version_start_time_reloads_and_control_requests) {
  metrics().count_config_reload(ReloadResult::ok);
  metrics().count_config_reload(ReloadResult::rejected);
  metrics().count_config_reload(ReloadResult::rejected);
  metrics().count_control_request(ControlResult::ok);
  metrics().count_control_request(ControlResult::refused);

  const Samples samples = scrape();
  EXPECT_EQ(select(samples, "lit_build_info", ""), (Samples{{R"(lit_build_info{version="1.2.3-test"})", 1}}));
  const double start_time = samples.at("lit_daemon_start_time_seconds");
  EXPECT_GE(start_time, shared->created_after - 1e-3);
  EXPECT_LE(start_time, shared->created_before + 1e-3);
  EXPECT_EQ(select(samples, "lit_config_reloads_total", ""),
            (Samples{{R"(lit_config_reloads_total{result="ok"})", 1},
                     {R"(lit_config_reloads_total{result="rejected"})", 2}}));
  EXPECT_EQ(select(samples, "lit_control_requests_total", ""),
            (Samples{{R"(lit_control_requests_total{result="error"})", 0},
                     {R"(lit_control_requests_total{result="ok"})", 1},
                     {R"(lit_control_requests_total{result="refused"})", 1}}));
}

TEST(Metrics, the_process_series_follow_resident_memory_descriptors_and_the_heap) {
  const ProcessSample before = read_process();
  EXPECT_GT(before.resident_bytes, 1e6);
  EXPECT_GE(before.open_fds, 3);
  // A descriptor more and 4 MiB more on the heap (touched, so resident too).
  std::FILE* held = std::fopen("/proc/self/status", "r");
  ASSERT_NE(held, nullptr);
  constexpr std::size_t kHeld = std::size_t{4} << 20U;
  std::vector<char> heap(kHeld, 'x');
  const ProcessSample after = read_process();
  EXPECT_EQ(after.open_fds, before.open_fds + 1);
  EXPECT_GE(after.heap_bytes - before.heap_bytes, static_cast<double>(kHeld));
  EXPECT_GE(after.resident_bytes - before.resident_bytes, static_cast<double>(kHeld) / 2);
  std::fclose(held);

  metrics().update(after);
  const Samples samples = scrape();
  EXPECT_EQ(samples.at("process_open_fds"), after.open_fds);
  EXPECT_EQ(samples.at("process_resident_memory_bytes"), after.resident_bytes);
  EXPECT_EQ(samples.at("lit_daemon_heap_bytes"), after.heap_bytes);
  EXPECT_EQ(heap.back(), 'x');
}

// ---- the exposition as a whole -------------------------------------------------------------------

TEST(Metrics, the_scraped_exposition_passes_promtool_lint_without_remarks) {
  const char* promtool = std::getenv("PROMTOOL");
  if (promtool == nullptr || *promtool == '\0') GTEST_SKIP() << "PROMTOOL not set (promtool not found at setup)";
  // Every family has series: an actor on a configured path and one by type, a
  // supervisor, a device with its identity.
  const std::vector<std::string> paths{"lint/special"};
  metrics().set_actor_paths(paths);
  ActorSample actor{.path = "lint/special", .type = "t_lint", .messages = 1};
  actor.processing.observe(1e-5);
  update(actor);
  actor.path = "lint/plain";
  update(actor);
  update(SupervisorSample{.path = "lint/sup", .restarts = 1});
  DeviceSample device{.name = "dev_lint", .link_up = true};
  device.identity = DeviceIdentity{.boot_id = 1, .firmware = "agent"};
  device.rtt.observe(0.003);
  update(device);
  metrics().set_actor_paths({});

  const std::string exposition = scrape_text();
  const std::string file = ::testing::TempDir() + "metrics_exposition.txt";
  std::ofstream(file) << exposition;
  const std::string command = std::string(promtool) + " check metrics < " + file + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string remarks;
  std::array<char, 256> chunk{};
  while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) remarks += chunk.data();
  const int status = ::pclose(pipe);
  std::remove(file.c_str());
  EXPECT_EQ(status, 0) << remarks;
  EXPECT_EQ(remarks, "") << exposition;
}

}  // namespace
}  // namespace lit::daemon

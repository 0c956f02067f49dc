// The configuration file's reader and checker (daemon/config/config.hpp): the
// example file read field by field, then one test per rule of
// daemon/config/README.md, each asserting the message and its line:column.
// A test catalog stands in for the daemon's actor types and plugins.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace lit::daemon {
namespace {

constexpr std::array<ParamSpec, 5> kPingerParams{{
    {.name = "period", .kind = ParamKind::duration, .required = true, .help = "time between pings"},
    {.name = "count", .kind = ParamKind::integer, .required = false, .help = ""},
    {.name = "verbose", .kind = ParamKind::boolean, .required = false, .help = ""},
    {.name = "ratio", .kind = ParamKind::real, .required = false, .help = ""},
    {.name = "label", .kind = ParamKind::string, .required = false, .help = ""},
}};
constexpr std::array<ParamSpec, 1> kPumpParams{{
    {.name = "rate", .kind = ParamKind::real, .required = false, .help = ""},
}};

// pinger and sensor are built in; pump comes from the one plugin that loads.
class TestCatalog final : public ActorTypeCatalog {
 public:
  static constexpr const char* kPluginPath = "/usr/lib/litd/plugins/libmy_actors.so";

  TestCatalog() {
    types_.push_back({"pinger", kPingerParams, "sends pings"});
    types_.push_back({"sensor", {}, "reads a sensor"});
  }

  const ActorTypeInfo* find(std::string_view name) const override {
    const auto found =
        std::find_if(types_.begin(), types_.end(), [&](const ActorTypeInfo& t) { return t.name == name; });
    return found == types_.end() ? nullptr : &*found;
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const ActorTypeInfo& type : types_) out.push_back(type.name);
    return out;
  }
  bool load_plugin(const std::string& path, std::string& error) override {
    loaded.push_back(path);
    if (path != kPluginPath) {
      error = "No such file or directory";
      return false;
    }
    types_.push_back({"pump", kPumpParams, "drives a pump"});
    return true;
  }

  std::vector<std::string> loaded;

 private:
  std::vector<ActorTypeInfo> types_;
};

std::string positions_and_messages(const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const Diagnostic& error : errors) out += format_diagnostic("t", error) + '\n';
  return out;
}

// Parses `text`, which must be rejected; returns the errors.
std::vector<Diagnostic> errors_of(std::string_view text) {
  TestCatalog types;
  ConfigResult result = parse_config(text, types);
  EXPECT_FALSE(result.config.has_value()) << "accepted:\n" << text;
  EXPECT_FALSE(result.errors.empty());
  return result.errors;
}

Config accepted(std::string_view text) {
  TestCatalog types;
  ConfigResult result = parse_config(text, types);
  EXPECT_TRUE(result.errors.empty()) << positions_and_messages(result.errors);
  return result.config.value_or(Config{});
}

// Exactly one error, at line:column, whose message contains every fragment.
void expect_one_error(std::string_view text,
                      std::uint32_t line,
                      std::uint32_t column,
                      std::initializer_list<std::string_view> fragments) {
  const std::vector<Diagnostic> errors = errors_of(text);
  ASSERT_EQ(errors.size(), 1u) << positions_and_messages(errors);
  EXPECT_EQ(errors[0].where.line, line) << errors[0].message;
  EXPECT_EQ(errors[0].where.column, column) << errors[0].message;
  for (const std::string_view fragment : fragments) {
    EXPECT_NE(errors[0].message.find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << errors[0].message;
  }
}

constexpr std::string_view kRoot = "[[actor]]\npath = \"gw\"\ntype = \"supervisor\"\n";  // lines 1-3

// ---- the example file and defaults --------------------------------------------------------

TEST(ConfigFile, ExampleFileIsAcceptedWithEveryFieldRead) {
  TestCatalog types;
  const ConfigResult result = load_config(std::string(LIT_CONFIG_SOURCE_DIR) + "/litd.example.toml", types);
  ASSERT_TRUE(result.errors.empty()) << positions_and_messages(result.errors);
  ASSERT_TRUE(result.config.has_value());
  const Config& config = *result.config;

  EXPECT_EQ(config.workers, 2u);
  EXPECT_EQ(config.plugins, std::vector<std::string>{TestCatalog::kPluginPath});
  EXPECT_EQ(types.loaded, std::vector<std::string>{TestCatalog::kPluginPath});

  EXPECT_EQ(config.log.level, "info");
  ASSERT_EQ(config.log.components.size(), 2u);
  EXPECT_EQ(config.log.components[0].name, "device");  // TOML tables have no order; by name
  EXPECT_EQ(config.log.components[0].level, "info");
  EXPECT_EQ(config.log.components[1].name, "link");
  EXPECT_EQ(config.log.components[1].level, "debug");

  EXPECT_TRUE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(config.metrics.actor_paths, std::vector<std::string>{"gateway/pinger"});

  EXPECT_EQ(config.control.socket, "/run/litd/control.sock");
  EXPECT_EQ(config.control.group, "lit");
  EXPECT_EQ(config.control.mode, 0660u);

  ASSERT_EQ(config.devices.size(), 1u);
  const DeviceConfig& board = config.devices[0];
  EXPECT_EQ(board.name, "board0");
  EXPECT_EQ(board.port, "/dev/ttyACM0");
  EXPECT_EQ(board.baud, 115200u);
  EXPECT_EQ(board.firmware, "lit-agent");
  EXPECT_EQ(board.link_timeout_ms, 1000u);
  EXPECT_EQ(board.heartbeat_ms, 250u);
  EXPECT_EQ(board.reconnect_min_ms, 100u);
  EXPECT_EQ(board.reconnect_max_ms, 5000u);
  EXPECT_EQ(board.where.line, 27u);
  EXPECT_EQ(config.find_device("board0"), &board);
  EXPECT_EQ(config.find_device("board1"), nullptr);

  ASSERT_EQ(config.actors.size(), 4u);
  const ActorConfig& gateway = config.actors[0];
  EXPECT_EQ(gateway.path, "gateway");
  EXPECT_EQ(gateway.name, "gateway");
  EXPECT_EQ(gateway.parent, "");
  EXPECT_TRUE(gateway.is_supervisor());
  EXPECT_EQ(gateway.supervisor.strategy, Strategy::one_for_one);
  EXPECT_EQ(gateway.supervisor.intensity.max_restarts, 5u);
  EXPECT_EQ(gateway.supervisor.intensity.period_ms, 10'000u);
  EXPECT_EQ(gateway.supervisor.link_intensity.max_restarts, 10u);
  EXPECT_EQ(gateway.supervisor.link_intensity.period_ms, 60'000u);
  EXPECT_EQ(gateway.supervisor.auto_shutdown, AutoShutdown::never);
  EXPECT_EQ(gateway.supervisor.backoff.min_ms, 100u);
  EXPECT_EQ(gateway.supervisor.backoff.max_ms, 5000u);
  EXPECT_EQ(gateway.supervisor.backoff.jitter_percent, 10u);
  EXPECT_EQ(gateway.loop, std::optional<std::uint32_t>{0});
  EXPECT_EQ(gateway.where.line, 37u);
  EXPECT_EQ(gateway.where.column, 1u);

  const ActorConfig& pinger = config.actors[1];
  EXPECT_EQ(pinger.path, "gateway/pinger");
  EXPECT_EQ(pinger.name, "pinger");
  EXPECT_EQ(pinger.parent, "gateway");
  EXPECT_EQ(pinger.type, "pinger");
  EXPECT_EQ(pinger.restart, Restart::permanent);
  EXPECT_EQ(pinger.shutdown.kind, Shutdown::Kind::timeout);
  EXPECT_EQ(pinger.shutdown.timeout_ms, 5000u);
  EXPECT_FALSE(pinger.significant);
  EXPECT_FALSE(pinger.is_device_actor());
  EXPECT_FALSE(pinger.loop.has_value());
  ASSERT_EQ(pinger.params.size(), 1u);
  EXPECT_EQ(pinger.params[0].name, "period");
  EXPECT_EQ(pinger.params[0].value.kind, ParamKind::duration);
  EXPECT_EQ(pinger.params[0].value.duration_ms, 1000u);
  EXPECT_EQ(pinger.params[0].where.line, 56u);

  const ActorConfig& board_supervisor = config.actors[2];
  EXPECT_EQ(board_supervisor.path, "gateway/board");
  EXPECT_EQ(board_supervisor.supervisor.strategy, Strategy::one_for_all);
  EXPECT_EQ(board_supervisor.supervisor.intensity.max_restarts, 3u);
  EXPECT_EQ(board_supervisor.supervisor.intensity.period_ms, 30'000u);
  EXPECT_FALSE(board_supervisor.supervisor.backoff.enabled());
  EXPECT_EQ(board_supervisor.shutdown.kind, Shutdown::Kind::infinity);  // OTP's default for supervisors

  const ActorConfig& blinky = config.actors[3];
  EXPECT_EQ(blinky.path, "gateway/board/blinky");
  EXPECT_EQ(blinky.parent, "gateway/board");
  EXPECT_TRUE(blinky.is_device_actor());
  EXPECT_EQ(blinky.device, "board0");
  EXPECT_EQ(blinky.remote, "blinky");
  EXPECT_EQ(blinky.type, "");
  EXPECT_EQ(blinky.restart, Restart::transient);
  EXPECT_EQ(config.find_actor("gateway/board/blinky"), &blinky);
  EXPECT_EQ(config.find_actor("gateway/board/blinky/x"), nullptr);
}

TEST(ConfigFile, EmptyFileIsAValidConfigWithDefaults) {
  const Config config = accepted("");
  EXPECT_EQ(config.workers, 0u);
  EXPECT_TRUE(config.plugins.empty());
  EXPECT_EQ(config.log.level, "info");
  EXPECT_TRUE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.listen, "127.0.0.1:9464");
  EXPECT_EQ(config.control.socket, "/run/litd/control.sock");
  EXPECT_EQ(config.control.mode, 0660u);
  EXPECT_TRUE(config.devices.empty());
  EXPECT_TRUE(config.actors.empty());
}

TEST(ConfigFile, OmittedKeysTakeOtpDefaults) {
  const Config config = accepted(R"([[device]]
name = "b"
port = "/dev/ttyUSB0"
[[actor]]
path = "gw"
type = "supervisor"
[[actor]]
path = "gw/p"
type = "pinger"
params = { period = "1s" }
[[actor]]
path = "gw/s"
type = "supervisor"
[[actor]]
path = "gw/remote"
device = "b"
remote = "agent/blink"
type = "blink_chart"
)");
  ASSERT_EQ(config.actors.size(), 4u);
  const SupervisorSettings& root = config.actors[0].supervisor;
  EXPECT_EQ(root.strategy, Strategy::one_for_one);
  EXPECT_EQ(root.intensity.max_restarts, 1u);
  EXPECT_EQ(root.intensity.period_ms, 5000u);
  EXPECT_EQ(root.auto_shutdown, AutoShutdown::never);
  EXPECT_FALSE(root.backoff.enabled());
  EXPECT_EQ(config.actors[1].shutdown.kind, Shutdown::Kind::timeout);
  EXPECT_EQ(config.actors[1].shutdown.timeout_ms, 5000u);
  EXPECT_EQ(config.actors[2].shutdown.kind, Shutdown::Kind::infinity);
  EXPECT_EQ(config.actors[3].remote, "agent/blink");
  EXPECT_EQ(config.actors[3].type, "blink_chart");
  EXPECT_EQ(config.devices[0].baud, 115200u);
  EXPECT_EQ(config.devices[0].heartbeat_ms, 250u);
  EXPECT_EQ(config.devices[0].link_timeout_ms, 1000u);
}

TEST(ConfigFile, ParamsOfEveryKindAreReadInFileOrder) {
  const Config config = accepted(std::string(kRoot) + R"([[actor]]
path = "gw/p"
type = "pinger"
[actor.params]
verbose = true
period = "1.5s"
ratio = 2
label = "x"
count = -3
)");
  const std::vector<Param>& params = config.actors.at(1).params;
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0].name, "verbose");
  EXPECT_TRUE(params[0].value.boolean);
  EXPECT_EQ(params[1].value.duration_ms, 1500u);
  EXPECT_EQ(params[2].value.kind, ParamKind::real);
  EXPECT_DOUBLE_EQ(params[2].value.real, 2.0);
  EXPECT_EQ(params[3].value.string, "x");
  EXPECT_EQ(params[4].value.integer, -3);
  EXPECT_EQ(params[4].where.line, 12u);
}

TEST(ConfigFile, ShutdownTakesBrutalKillAndInfinity) {
  const Config config = accepted(std::string(kRoot) + R"([[actor]]
path = "gw/a"
type = "sensor"
shutdown = "brutal_kill"
[[actor]]
path = "gw/b"
type = "sensor"
shutdown = "infinity"
)");
  EXPECT_EQ(config.actors.at(1).shutdown.kind, Shutdown::Kind::brutal_kill);
  EXPECT_EQ(config.actors.at(2).shutdown.kind, Shutdown::Kind::infinity);
}

TEST(ConfigFile, PluginTypesAreKnownOnceLoaded) {
  const Config config = accepted(R"([daemon]
plugins = ["/usr/lib/litd/plugins/libmy_actors.so"]
[[actor]]
path = "gw"
type = "supervisor"
[[actor]]
path = "gw/pump"
type = "pump"
params = { rate = 1.5 }
)");
  EXPECT_EQ(config.actors.at(1).type, "pump");
  EXPECT_DOUBLE_EQ(config.actors.at(1).params.at(0).value.real, 1.5);
}

// ---- syntax, keys, types and values ----------------------------------------------------------

TEST(ConfigFile, TomlSyntaxErrorIsReportedWithItsPosition) {
  const std::vector<Diagnostic> errors = errors_of("[daemon]\nworkers = 2\nplugins = [\"a\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.line, 3u);
  EXPECT_EQ(errors[0].where.column, 16u);
  EXPECT_EQ(errors[0].message, "Error while parsing array: encountered end-of-file");
}

// toml++ 3.3 asserts on these (marzer/tomlplusplus#301); config/toml.hpp turns
// its assertions off so its parser reports them. Found by config_fuzz.
TEST(ConfigFile, TableHeaderWithoutAKeyCharacterIsASyntaxErrorNotACrash) {
  for (const std::string_view text : {"[:a]\n", "workers = 1\n[[:daemon]]\n", "[[[1]]]\n"}) {
    const std::vector<Diagnostic> errors = errors_of(text);
    ASSERT_EQ(errors.size(), 1u) << text;
    EXPECT_NE(errors[0].message.find("expected bare key starting character or string delimiter"), std::string::npos)
        << errors[0].message;
    EXPECT_NE(errors[0].where.line, 0u);
  }
}

// toml++ 3.3's whitespace table reaches "unreachable" for U+00A1 to U+0499 and
// others; config/toml.hpp makes them plain non-whitespace. Found by config_fuzz.
TEST(ConfigFile, NonAsciiLetterWhereWhitespaceMayBeIsASyntaxErrorNotACrash) {
  const std::vector<Diagnostic> errors = errors_of("[\xC5\x9E]\n");  // [Ş]
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].where.line, 1u);
  EXPECT_EQ(errors[0].where.column, 2u);
}

TEST(ConfigFile, NonAsciiTextInStringsIsKept) {
  const Config config =
      accepted("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\nfirmware = \"\"\"agent \\\n  \xC5\x9Eir\"\"\"\n");
  EXPECT_EQ(config.devices.at(0).firmware, "agent \xC5\x9Eir");
}

TEST(ConfigFile, UnknownTopLevelKeySuggestsTheClosestKnownKey) {
  expect_one_error("[deamon]\nworkers = 1\n", 1, 2, {"unknown key 'deamon'", "did you mean 'daemon'?"});
}

TEST(ConfigFile, UnknownActorKeySuggestsTheClosestKnownKey) {
  expect_one_error(std::string(kRoot) + "stratgy = \"one_for_all\"\n",
                   4,
                   1,
                   {"unknown key 'stratgy' in [[actor]]", "did you mean 'strategy'?"});
}

TEST(ConfigFile, UnknownKeyWithoutCloseMatchListsTheKnownKeys) {
  expect_one_error("[control]\nsocket = \"/run/x.sock\"\ncolour = \"red\"\n",
                   3,
                   1,
                   {"unknown key 'colour' in [control]", "known: socket, group, mode"});
}

TEST(ConfigFile, UnknownKeyInAnInlineTableIsReported) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\nreconnect = { min = \"1s\", maxi = \"2s\" }\n",
                   4,
                   27,
                   {"unknown key 'maxi' in device.reconnect", "did you mean 'max'?"});
}

TEST(ConfigFile, WrongValueTypeNamesWhatWasExpectedAndFound) {
  expect_one_error("[daemon]\nworkers = \"2\"\n", 2, 11, {"'daemon.workers' must be an integer, found a string"});
}

TEST(ConfigFile, SectionThatIsNotATableIsRejected) {
  expect_one_error("log = \"debug\"\n", 1, 7, {"'log' must be a table ([log]), found a string"});
}

TEST(ConfigFile, DeviceWrittenAsASingleTableMustBeAnArrayOfTables) {
  expect_one_error("[device]\nname = \"b\"\n", 1, 1, {"'device' must be an array of tables ([[device]])"});
}

TEST(ConfigFile, BadEnumValueListsTheAllowedValues) {
  expect_one_error(std::string(kRoot) + "strategy = \"one_for_none\"\n",
                   4,
                   12,
                   {"'actor.strategy' must be one of one_for_one, one_for_all, rest_for_one, simple_one_for_one",
                    "found 'one_for_none'",
                    "did you mean 'one_for_one'?"});
}

TEST(ConfigFile, BadLogLevelListsTheLevels) {
  expect_one_error("[log]\nlevel = \"verbose\"\n",
                   2,
                   9,
                   {"'log.level' must be one of trace, debug, info, warn, error, critical, off"});
}

TEST(ConfigFile, BadComponentLogLevelIsReportedAtItsValue) {
  expect_one_error("[log]\ncomponents = { link = \"loud\" }\n", 2, 23, {"'log.components.link' must be one of"});
}

TEST(ConfigFile, DurationWithoutAUnitIsRejected) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\nheartbeat = \"250\"\n",
                   4,
                   13,
                   {"'device.heartbeat' is not a duration: '250'", "ms, s, m or h"});
}

TEST(ConfigFile, DurationWrittenAsANumberIsRejected) {
  expect_one_error(std::string(kRoot) + "period = 10\n",
                   4,
                   10,
                   {"'actor.period' must be a duration string with a unit", "found an integer"});
}

TEST(ConfigFile, DurationFinerThanAMillisecondIsRejected) {
  expect_one_error(std::string(kRoot) + "period = \"0.5ms\"\n", 4, 10, {"is not a duration: '0.5ms'"});
}

TEST(ConfigFile, ZeroPeriodIsRejected) {
  expect_one_error(std::string(kRoot) + "period = \"0s\"\n", 4, 10, {"'actor.period' must be longer than zero"});
}

TEST(ConfigFile, WorkersAbove1024AreOutOfRange) {
  expect_one_error("[daemon]\nworkers = 1025\n", 2, 11, {"'daemon.workers' must be between 0 and 1024, found 1025"});
}

TEST(ConfigFile, NonStandardBaudRateIsRejected) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\nbaud = 115201\n",
                   4,
                   8,
                   {"'device.baud' must be a standard rate", "115200", "found 115201"});
}

TEST(ConfigFile, ModeMustBeAnOctalStringAtMost0777) {
  expect_one_error("[control]\nmode = \"0999\"\n", 2, 8, {"'control.mode' must be an octal string", "'0999'"});
  expect_one_error("[control]\nmode = \"1777\"\n", 2, 8, {"no greater than \"0777\""});
  expect_one_error("[control]\nmode = 0o660\n", 2, 8, {"'control.mode' must be an octal string", "found an integer"});
}

TEST(ConfigFile, NegativeIntensityIsRejected) {
  expect_one_error(std::string(kRoot) + "intensity = -1\n", 4, 13, {"'actor.intensity' must be between 0 and"});
}

TEST(ConfigFile, BackoffJitterAbove100PercentIsRejected) {
  expect_one_error(std::string(kRoot) + "backoff = { min = \"1s\", max = \"2s\", jitter = 101 }\n",
                   4,
                   46,
                   {"'actor.backoff.jitter' must be between 0 and 100"});
}

TEST(ConfigFile, BackoffMinAboveMaxIsRejected) {
  expect_one_error(std::string(kRoot) + "backoff = { min = \"5s\", max = \"1s\" }\n",
                   4,
                   31,
                   {"'actor.backoff.min' (5000ms) must not exceed 'actor.backoff.max' (1000ms)"});
}

TEST(ConfigFile, ReconnectMinAboveMaxIsRejected) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\nreconnect = { min = \"10s\" }\n",
                   4,
                   21,
                   {"'device.reconnect.min' (10000ms) must not exceed 'device.reconnect.max' (5000ms)"});
}

TEST(ConfigFile, HeartbeatNotShorterThanLinkTimeoutIsRejected) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\nheartbeat = \"2s\"\n",
                   4,
                   13,
                   {"'device.heartbeat' (2000ms) must be shorter than 'device.link_timeout' (1000ms)"});
}

TEST(ConfigFile, DeviceNeedsANameAndAnAbsolutePort) {
  expect_one_error("[[device]]\nport = \"/dev/ttyS0\"\n", 1, 1, {"[[device]] needs 'name'"});
  expect_one_error("[[device]]\nname = \"b\"\nport = \"ttyS0\"\n", 3, 8, {"'device.port' must be the absolute path"});
}

TEST(ConfigFile, MetricsListenMustBeHostAndPort) {
  expect_one_error("[metrics]\nlisten = \"9464\"\n", 2, 10, {"'metrics.listen' must be host:port", "'9464'"});
  expect_one_error("[metrics]\nlisten = \"[::1]:70000\"\n", 2, 10, {"'metrics.listen' must be host:port"});
  EXPECT_EQ(accepted("[metrics]\nlisten = \"[::1]:9464\"\n").metrics.listen, "[::1]:9464");
}

TEST(ConfigFile, ControlSocketMustBeAnAbsolutePathThatFitsAUnixSocket) {
  expect_one_error("[control]\nsocket = \"litd.sock\"\n", 2, 10, {"'control.socket' must be an absolute path"});
  expect_one_error("[control]\nsocket = \"/" + std::string(120, 's') + "\"\n",
                   2,
                   10,
                   {"'control.socket' is 121 bytes long; a Unix socket path holds at most 107"});
}

// ---- actor types and params ----------------------------------------------------------------------

TEST(ConfigFile, UnknownActorTypeHintsTheClosestKnownType) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/p\"\ntype = \"pinegr\"\n",
                   6,
                   8,
                   {"unknown actor type 'pinegr'; did you mean 'pinger'?", "(known: pinger, sensor, supervisor)"});
}

TEST(ConfigFile, ActorWithoutATypeIsRejected) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/p\"\n", 4, 1, {"[[actor]] needs 'type'"});
}

TEST(ConfigFile, UnknownParamIsRejectedWithAHint) {
  expect_one_error(std::string(kRoot) +
                       "[[actor]]\npath = \"gw/p\"\ntype = \"pinger\"\n[actor.params]\nperiod = "
                       "\"1s\"\nperoid = \"1s\"\n",
                   9,
                   1,
                   {"unknown parameter 'peroid' for actor type 'pinger'; did you mean 'period'?"});
}

TEST(ConfigFile, ParamForATypeWithoutParamsIsRejected) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/s\"\ntype = \"sensor\"\nparams = { gain = 2 }\n",
                   7,
                   12,
                   {"unknown parameter 'gain' for actor type 'sensor' (it takes none)"});
}

TEST(ConfigFile, ParamOfTheWrongKindIsRejected) {
  expect_one_error(
      std::string(kRoot) + "[[actor]]\npath = \"gw/p\"\ntype = \"pinger\"\nparams = { period = \"1s\", count = 1.5 }\n",
      7,
      35,
      {"parameter 'count' of actor type 'pinger' must be an integer, found a float"});
}

TEST(ConfigFile, DurationParamThatIsNoDurationIsRejected) {
  expect_one_error(
      std::string(kRoot) + "[[actor]]\npath = \"gw/p\"\ntype = \"pinger\"\nparams = { period = \"soon\" }\n",
      7,
      21,
      {"parameter 'period' of actor type 'pinger' must be a duration", "found 'soon'"});
}

TEST(ConfigFile, MissingRequiredParamIsReportedAtTheType) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/p\"\ntype = \"pinger\"\n",
                   6,
                   8,
                   {"actor type 'pinger' needs parameter 'period' (a duration"});
}

TEST(ConfigFile, PluginThatFailsToLoadIsReportedAtItsArrayElement) {
  TestCatalog types;
  const ConfigResult result =
      parse_config("[daemon]\nplugins = [\"/usr/lib/litd/plugins/libmy_actors.so\", \"/opt/missing.so\"]\n", types);
  ASSERT_EQ(result.errors.size(), 1u) << positions_and_messages(result.errors);
  EXPECT_EQ(format_diagnostic("litd.toml", result.errors[0]),
            "litd.toml:2:53: error: cannot load plugin '/opt/missing.so': No such file or directory");
  EXPECT_EQ(types.loaded.size(), 2u);
}

TEST(ConfigFile, PluginsLoadBeforeActorTypesAreChecked) {
  // The actor comes first in the file; its type comes from the plugin.
  accepted(R"([[actor]]
path = "gw"
type = "supervisor"
[[actor]]
path = "gw/pump"
type = "pump"
[daemon]
plugins = ["/usr/lib/litd/plugins/libmy_actors.so"]
)");
}

// ---- the tree -------------------------------------------------------------------------------

TEST(ConfigFile, PathWithAnEmptySegmentIsRejected) {
  expect_one_error("[[actor]]\npath = \"gw//p\"\ntype = \"supervisor\"\n",
                   2,
                   8,
                   {"'actor.path' must be non-empty names", "found 'gw//p'"});
}

TEST(ConfigFile, PathWithAForbiddenCharacterIsRejected) {
  expect_one_error("[[actor]]\npath = \"gw/p q\"\ntype = \"supervisor\"\n", 2, 8, {"found 'gw/p q'"});
}

TEST(ConfigFile, DuplicateActorPathPointsAtTheFirst) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw\"\ntype = \"supervisor\"\n",
                   5,
                   8,
                   {"duplicate actor path 'gw' (first declared at 2:8)"});
}

TEST(ConfigFile, DuplicateDeviceNamePointsAtTheFirst) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\n[[device]]\nname = \"b\"\nport = \"/dev/ttyS1\"\n",
                   5,
                   8,
                   {"duplicate device name 'b' (first declared at 2:8)"});
}

TEST(ConfigFile, DuplicateDevicePortNamesTheDeviceUsingIt) {
  expect_one_error("[[device]]\nname = \"a\"\nport = \"/dev/ttyS0\"\n[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\n",
                   6,
                   8,
                   {"duplicate device port '/dev/ttyS0' (already used by 'a' at 3:8)"});
}

TEST(ConfigFile, ParentDeclaredAfterItsChildIsRejected) {
  expect_one_error(std::string(kRoot) +
                       "[[actor]]\npath = \"gw/sub/p\"\ntype = \"sensor\"\n[[actor]]\npath = \"gw/sub\"\ntype = "
                       "\"supervisor\"\n",
                   5,
                   8,
                   {"parent 'gw/sub' of 'gw/sub/p' is declared after it (at 8:8)"});
}

TEST(ConfigFile, UndeclaredParentIsRejected) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/sub/p\"\ntype = \"sensor\"\n",
                   5,
                   8,
                   {"parent 'gw/sub' of 'gw/sub/p' is not declared"});
}

TEST(ConfigFile, ParentThatIsNotASupervisorIsRejected) {
  expect_one_error(
      std::string(kRoot) +
          "[[actor]]\npath = \"gw/s\"\ntype = \"sensor\"\n[[actor]]\npath = \"gw/s/t\"\ntype = \"sensor\"\n",
      8,
      8,
      {"parent 'gw/s' of 'gw/s/t' is not a supervisor (it is a 'sensor')"});
}

TEST(ConfigFile, RootThatIsNotASupervisorIsRejected) {
  expect_one_error("[[actor]]\npath = \"s\"\ntype = \"sensor\"\n",
                   3,
                   8,
                   {"root actor 's' must be a supervisor (type = \"supervisor\")"});
}

TEST(ConfigFile, SupervisorKeyOnAWorkerIsRejected) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/s\"\ntype = \"sensor\"\nintensity = 3\n",
                   7,
                   1,
                   {"'intensity' applies to supervisors only, and 'gw/s' is not one"});
}

TEST(ConfigFile, ParamsOnASupervisorAreRejected) {
  expect_one_error(
      std::string(kRoot) + "params = { x = 1 }\n", 4, 1, {"supervisors take no 'params'; 'gw' is a supervisor"});
}

TEST(ConfigFile, ChildKeyOnARootIsRejected) {
  expect_one_error(std::string(kRoot) + "restart = \"transient\"\n",
                   4,
                   1,
                   {"'restart' applies to children only, and 'gw' is a root"});
}

TEST(ConfigFile, LoopOnAChildIsRejected) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/s\"\ntype = \"sensor\"\nloop = 0\n",
                   7,
                   1,
                   {"'loop' applies to roots only; 'gw/s' runs on its root's loop"});
}

TEST(ConfigFile, LoopAtOrAboveWorkersIsRejected) {
  expect_one_error("[daemon]\nworkers = 2\n" + std::string(kRoot) + "loop = 2\n",
                   6,
                   8,
                   {"'actor.loop' is 2, but daemon.workers = 2 gives loops 0 to 1"});
  EXPECT_EQ(accepted(std::string(kRoot) + "loop = 7\n").actors.at(0).loop, std::optional<std::uint32_t>{7});
}

TEST(ConfigFile, ActorOnAnUndeclaredDeviceIsRejectedWithAHint) {
  expect_one_error("[[device]]\nname = \"board0\"\nport = \"/dev/ttyS0\"\n" + std::string(kRoot) +
                       "[[actor]]\npath = \"gw/b\"\ndevice = \"board1\"\n",
                   9,
                   10,
                   {"no [[device]] named 'board1' is declared; did you mean 'board0'?"});
}

TEST(ConfigFile, RemoteWithoutADeviceIsRejected) {
  expect_one_error(std::string(kRoot) + "[[actor]]\npath = \"gw/s\"\ntype = \"sensor\"\nremote = \"s\"\n",
                   7,
                   1,
                   {"'remote' applies to device actors only"});
}

TEST(ConfigFile, DeviceActorCannotBeASupervisor) {
  expect_one_error("[[device]]\nname = \"b\"\nport = \"/dev/ttyS0\"\n" + std::string(kRoot) +
                       "[[actor]]\npath = \"gw/b\"\ndevice = \"b\"\ntype = \"supervisor\"\n",
                   10,
                   8,
                   {"'gw/b' lives on device 'b' and so cannot be a supervisor"});
}

TEST(ConfigFile, SignificantPermanentChildIsRejected) {
  expect_one_error(std::string(kRoot) +
                       "auto_shutdown = \"any_significant\"\n[[actor]]\npath = \"gw/s\"\ntype = "
                       "\"sensor\"\nsignificant = true\n",
                   8,
                   1,
                   {"a significant child cannot be permanent (the default restart); make 'gw/s' transient or "
                    "temporary"});
}

TEST(ConfigFile, SignificantChildUnderAutoShutdownNeverIsRejected) {
  expect_one_error(std::string(kRoot) +
                       "[[actor]]\npath = \"gw/s\"\ntype = \"sensor\"\nrestart = \"transient\"\nsignificant = true\n",
                   8,
                   1,
                   {"a significant child needs a parent with auto_shutdown any_significant or all_significant; "
                    "'gw' has auto_shutdown never"});
}

TEST(ConfigFile, SignificantTransientChildUnderAutoShutdownIsAccepted) {
  const Config config = accepted(std::string(kRoot) +
                                 "auto_shutdown = \"all_significant\"\n[[actor]]\npath = \"gw/s\"\ntype = "
                                 "\"sensor\"\nrestart = \"temporary\"\nsignificant = true\n");
  EXPECT_EQ(config.actors.at(0).supervisor.auto_shutdown, AutoShutdown::all_significant);
  EXPECT_TRUE(config.actors.at(1).significant);
  EXPECT_EQ(config.actors.at(1).restart, Restart::temporary);
}

TEST(ConfigFile, SimpleOneForOneNeedsExactlyOneChildSpec) {
  expect_one_error(std::string(kRoot) + "strategy = \"simple_one_for_one\"\n",
                   4,
                   12,
                   {"a simple_one_for_one supervisor has exactly one child spec; 'gw' has 0"});
  expect_one_error(std::string(kRoot) +
                       "strategy = \"simple_one_for_one\"\n[[actor]]\npath = \"gw/a\"\ntype = "
                       "\"sensor\"\n[[actor]]\npath = \"gw/b\"\ntype = \"sensor\"\n",
                   4,
                   12,
                   {"'gw' has 2"});
  accepted(std::string(kRoot) + "strategy = \"simple_one_for_one\"\n[[actor]]\npath = \"gw/a\"\ntype = \"sensor\"\n");
}

TEST(ConfigFile, MetricsActorPathNamingNoActorIsRejected) {
  expect_one_error("[metrics]\nactor_paths = [\"gw\", \"gw/pnger\"]\n" + std::string(kRoot) +
                       "[[actor]]\npath = \"gw/pinger\"\ntype = \"pinger\"\nparams = { period = \"1s\" }\n",
                   2,
                   22,
                   {"'metrics.actor_paths' names 'gw/pnger', which is no declared actor; did you mean 'gw/pinger'?"});
}

// ---- reporting -------------------------------------------------------------------------------

TEST(ConfigFile, EveryProblemIsReportedTogetherInFileOrder) {
  TestCatalog types;
  const ConfigResult result = parse_config(R"([[actor]]
path = "gw"
type = "supervisor"
strategy = "one_for_none"
[[actor]]
path = "gw/p"
type = "pinegr"
[daemon]
workers = 5000
[[device]]
name = "b"
port = "/dev/ttyS0"
baud = 7
)",
                                           types);
  EXPECT_FALSE(result.config.has_value());
  ASSERT_EQ(result.errors.size(), 4u) << positions_and_messages(result.errors);
  EXPECT_EQ(result.errors[0].where.line, 4u);
  EXPECT_NE(result.errors[0].message.find("one_for_none"), std::string::npos);
  EXPECT_EQ(result.errors[1].where.line, 7u);
  EXPECT_NE(result.errors[1].message.find("pinegr"), std::string::npos);
  EXPECT_EQ(result.errors[2].where.line, 9u);
  EXPECT_NE(result.errors[2].message.find("workers"), std::string::npos);
  EXPECT_EQ(result.errors[3].where.line, 13u);
  EXPECT_NE(result.errors[3].message.find("baud"), std::string::npos);
}

TEST(ConfigFile, NothingIsReturnedWhenAnyProblemIsFound) {
  TestCatalog types;
  const ConfigResult result = parse_config(std::string(kRoot) + "intensity = -1\n", types);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_EQ(result.errors.size(), 1u);
}

TEST(ConfigFile, UnreadableFileIsOneDiagnosticNamingThePathAndTheReason) {
  TestCatalog types;
  const ConfigResult result = load_config("/nonexistent/litd.toml", types);
  EXPECT_FALSE(result.config.has_value());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].where.line, 0u);
  EXPECT_EQ(format_diagnostic("/nonexistent/litd.toml", result.errors[0]),
            "/nonexistent/litd.toml: error: cannot read '/nonexistent/litd.toml': No such file or directory");

  const ConfigResult directory = load_config("/", types);
  ASSERT_EQ(directory.errors.size(), 1u);
  EXPECT_EQ(directory.errors[0].message, "cannot read '/': Is a directory");
}

TEST(ConfigFile, DiagnosticsFormatAsFileLineColumn) {
  EXPECT_EQ(format_diagnostic("litd.toml", {{12, 5}, "unknown actor type 'pinegr'"}),
            "litd.toml:12:5: error: unknown actor type 'pinegr'");
}

TEST(ConfigFile, ParamKindsHaveNames) {
  EXPECT_STREQ(to_string(ParamKind::boolean), "boolean");
  EXPECT_STREQ(to_string(ParamKind::integer), "integer");
  EXPECT_STREQ(to_string(ParamKind::real), "real");
  EXPECT_STREQ(to_string(ParamKind::string), "string");
  EXPECT_STREQ(to_string(ParamKind::duration), "duration");
}

}  // namespace
}  // namespace lit::daemon

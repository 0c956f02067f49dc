// The chart demo: runs lit::demo::pump_chart through its script on the board,
// printing every event, exit, transition and entry over the console UART, and
// exits 0 only if every step reached the configuration the script expects.
// agent-fw/apps/chart_demo/expected_output.txt is the transcript it must print.
#include <cstdint>
#include <string_view>

#include "board.hpp"
#include "chart_host.hpp"
#include "chart_text.hpp"
#include "console.hpp"
#include "demo_chart.hpp"
#include "lit/chart/entry_set.hpp"

namespace {

using lit::port::console;

// Compares the active atomic states, in document order, with a space-separated list.
bool configuration_is(const lit::chart::Table& table, lit::chart::StateSet configuration, std::string_view expected) {
  for (lit::chart::StateSet rest = configuration & table.atomic_states; rest != 0; rest &= rest - 1) {
    const std::size_t space = expected.find(' ');
    const std::string_view name = expected.substr(0, space);
    if (name != table.states[lit::chart::lowest_bit(rest)].name) return false;
    expected = space == std::string_view::npos ? std::string_view{} : expected.substr(space + 1);
  }
  return expected.empty();
}

unsigned check(bool ok, const char* what) {
  if (ok) return 0;
  console << "  MISMATCH: " << what << '\n';
  return 1;
}

}  // namespace

int main() {
  lit::board::init();
  constexpr const lit::chart::Table& table = lit::chart::table_of<lit::demo::pump_chart>;
  console << "lit-bit chart demo on " << lit::board::name() << '\n';
  console << "chart " << table.name << " hash=0x" << lit::port::hex(lit::demo::pump_chart.structural_hash(), 16)
          << " states=" << table.state_count << " transitions=" << table.transition_count << '\n';

  lit::demo::Pump pump;
  lit::port::ChartHost host;
  lit::chart::Instance<lit::demo::pump_chart> machine(pump, host);
  machine.set_tracing(true);

  unsigned failures = 0;
  console << "start\n";
  failures += check(machine.start() == lit::chart::Outcome::handled, "start() did not settle");
  console << "  configuration: ";
  lit::port::print_configuration(console, table, machine.configuration());
  console << '\n';
  failures += check(configuration_is(table, machine.configuration(), "standby"), "expected standby");

  unsigned number = 0;
  for (const lit::demo::ScriptStep& step : lit::demo::pump_script) {
    console << "step " << ++number << ": ";
    if (step.event.empty()) {
      console << "wait " << step.wait_ms << " ms\n";
      host.run_for(step.wait_ms);
    } else {
      console << "send " << step.event << '\n';
      const lit::chart::EventId event = table.find_event(step.event);
      failures += check(event != lit::chart::kNone, "the chart has no such event");
      if (event != lit::chart::kNone) host.post(machine, event);
      host.run_until_idle();
    }
    console << "  configuration: ";
    lit::port::print_configuration(console, table, machine.configuration());
    console << '\n';
    if (!configuration_is(table, machine.configuration(), step.expect)) {
      console << "  MISMATCH: expected " << (step.expect.empty() ? "(none)" : step.expect) << '\n';
      ++failures;
    }
  }

  failures += check(!machine.running() && host.last_outcome() == lit::chart::Outcome::finished,
                    "the machine did not finish in its final state");
  failures += check(machine.failure() == lit::chart::Failure::none, "the machine failed");
  failures += check(host.pending_timers() == 0, "timers still armed after the machine finished");
  const lit::port::ChartHost::Overflows& lost = host.overflows();
  failures += check(lost.timers + lost.queue + lost.deferred + lost.activities == 0, "the host ran out of room");
  const lit::demo::Pump& expected = lit::demo::pump_expected_counts;
  console << "entries: motor_starts=" << pump.motor_starts << " reports=" << pump.reports << " faults=" << pump.faults
          << '\n';
  failures += check(
      pump.motor_starts == expected.motor_starts && pump.reports == expected.reports && pump.faults == expected.faults,
      "entry counts differ from the script's");

  if (failures == 0) {
    console << "demo: PASS\n";
    return 0;
  }
  console << "demo: FAIL (" << failures << " mismatches)\n";
  return 1;
}

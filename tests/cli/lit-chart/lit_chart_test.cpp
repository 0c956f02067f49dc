// The lit-chart executable as a user runs it: subcommands, exit statuses, and
// data on stdout kept apart from diagnostics and chart logs on stderr.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "lit_chart_test_" + std::to_string(getpid()) + "_" + name;
}

// Runs lit-chart with `args`, standard input from `input` when given.
Result run(const std::vector<std::string>& args, const std::string& input = "") {
  std::string command = shell_quote(LIT_CHART);
  for (const std::string& arg : args) command += " " + shell_quote(arg);
  const std::string out = temp_path("stdout");
  const std::string err = temp_path("stderr");
  if (!input.empty()) {
    const std::string in = temp_path("stdin");
    std::ofstream(in) << input;
    command += " < " + shell_quote(in);
  }
  command += " > " + shell_quote(out) + " 2> " + shell_quote(err);
  const int raw = std::system(command.c_str());
  Result result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  return result;
}

std::string write_chart(const std::string& name, const std::string& text) {
  std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

const std::string kLamp = R"X(<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="lamp">
  <state id="off">
    <transition event="power" target="on"/>
  </state>
  <state id="on">
    <onentry><log label="lamp" expr="'lit'"/><send event="power" delay="1s"/></onentry>
    <transition event="power" target="off"/>
  </state>
</scxml>
)X";

TEST(LitChart, simulate_json_puts_exactly_the_json_on_stdout_and_logs_on_stderr) {
  const Result result =
      run({"simulate", write_chart("lamp.scxml", kLamp), "-o", "json", "--event", "power", "--advance", "1000"});
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(
      result.out,
      R"X({"initial":["off"],"steps":[{"event":"power","configuration":["on"]},{"advance":1000,"configuration":["off"]}]})X"
      "\n");
  EXPECT_EQ(result.err, "lamp: lit\n");
}

TEST(LitChart, simulate_takes_events_and_advances_in_command_line_order) {
  const Result result = run({"simulate",
                             write_chart("lamp.scxml", kLamp),
                             "--advance",
                             "5",
                             "--event",
                             "power",
                             "--advance=999",
                             "--event=power",
                             "--event",
                             "power"});
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.out,
            "start: off\n"
            "advance 5ms (t=5ms): off\n"
            "event power: on\n"
            "advance 999ms (t=1004ms): on\n"
            "event power: off\n"
            "event power: on\n");
  EXPECT_EQ(result.err, "lamp: lit\nlamp: lit\n");
}

TEST(LitChart, reads_the_chart_from_standard_input_given_a_dash) {
  const Result result = run({"simulate", "-", "--event", "power"}, kLamp);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.out, "start: off\nevent power: on\n");
}

TEST(LitChart, rejected_chart_exits_2_with_its_position_on_stderr_and_nothing_on_stdout) {
  const std::string path =
      write_chart("bad.scxml",
                  "<scxml>\n  <state id=\"a\">\n    <transition event=\"go\" target=\"foo\"/>\n  </state>\n</scxml>\n");
  for (const char* command : {"simulate", "gen", "dot", "mermaid"}) {
    const Result result = run({command, path});
    EXPECT_EQ(result.status, 2) << command;
    EXPECT_EQ(result.out, "") << command;
    EXPECT_EQ(result.err, path + ":3:5: error: unknown target state 'foo' in <transition>\n") << command;
  }
}

TEST(LitChart, unsupported_construct_exits_2) {
  const Result result =
      run({"dot", write_chart("script.scxml", "<scxml><state id=\"a\"><onentry><script/></onentry></state></scxml>")});
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find(":1:31: error: <script> needs a data model"), std::string::npos) << result.err;
}

TEST(LitChart, unreadable_file_exits_3) {
  const Result result = run({"dot", "/nonexistent/chart.scxml"});
  EXPECT_EQ(result.status, 3);
  EXPECT_EQ(result.err, "/nonexistent/chart.scxml: error: cannot open file: No such file or directory\n");
}

TEST(LitChart, usage_errors_exit_1) {
  EXPECT_EQ(run({}).status, 1);
  EXPECT_EQ(run({"frobnicate"}).status, 1);
  EXPECT_EQ(run({"simulate"}).status, 1);
  EXPECT_EQ(run({"simulate", write_chart("lamp.scxml", kLamp), "-o", "yaml"}).status, 1);
  const Result bad_event = run({"simulate", write_chart("lamp.scxml", kLamp), "--event", "a..b"});
  EXPECT_EQ(bad_event.status, 1);
  EXPECT_EQ(bad_event.out, "");
  const Result bad_advance = run({"simulate", write_chart("lamp.scxml", kLamp), "--advance", "1.5"});
  EXPECT_EQ(bad_advance.status, 1);
  EXPECT_EQ(bad_advance.err, "lit-chart: error: --advance takes a whole number of milliseconds, not '1.5'\n");
  const Result bad_state = run({"dot", write_chart("lamp.scxml", kLamp), "--active", "nowhere"});
  EXPECT_EQ(bad_state.status, 1);
  EXPECT_EQ(bad_state.err, "lit-chart: error: --active: unknown state 'nowhere'\n");
  EXPECT_EQ(run({"gen", write_chart("lamp.scxml", kLamp), "--variable", "not an identifier"}).status, 1);
}

TEST(LitChart, chart_that_fails_while_running_exits_4_after_printing_its_steps) {
  const std::string path =
      write_chart("spin.scxml", R"X(<scxml name="spin"><state id="a"><transition event="spin" target="b"/></state>
    <state id="b"><transition target="c"/></state><state id="c"><transition target="b"/></state></scxml>)X");
  const Result result = run({"simulate", path, "--event", "spin", "--event", "spin"});
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.out, "start: a\nevent spin: (no active state) (failed)\n");
  EXPECT_EQ(result.err,
            "lit-chart: error: chart 'spin' failed: eventless transitions or raised events did not settle\n");
}

TEST(LitChart, chart_that_keeps_sending_itself_events_exits_4_instead_of_hanging) {
  const std::string path = write_chart(
      "echo.scxml",
      R"X(<scxml name="echo"><state id="a"><onentry><send event="e"/></onentry><transition event="e" target="a"/>
    </state></scxml>)X");
  const Result result = run({"simulate", path, "--event", "e"});
  EXPECT_EQ(result.status, 4);
  EXPECT_EQ(result.out, "start: a (runaway: it keeps sending itself events)\n");
  EXPECT_EQ(result.err,
            "lit-chart: error: chart 'echo' failed: it keeps sending itself events: still busy after 100000 events "
            "in one step\n");
}

TEST(LitChart, help_documents_the_subcommands_and_exit_statuses) {
  const Result result = run({"--help"});
  EXPECT_EQ(result.status, 0);
  for (const char* text : {"simulate", "gen", "dot", "mermaid", "Exit status:", "  2  the chart was rejected"}) {
    EXPECT_NE(result.out.find(text), std::string::npos) << text;
  }
}

TEST(LitChart, gen_dot_and_mermaid_write_their_output_to_stdout) {
  const std::string path = write_chart("lamp.scxml", kLamp);
  const Result gen = run(
      {"gen", path, "--variable", "lamp_chart", "--namespace", "app", "--context", "Lamp", "--include", "lamp.hpp"});
  EXPECT_EQ(gen.status, 0);
  EXPECT_NE(gen.out.find("#include \"lamp.hpp\"\n"), std::string::npos) << gen.out;
  EXPECT_NE(gen.out.find("namespace app {\nnamespace lamp_chart_chart {\n"), std::string::npos) << gen.out;
  EXPECT_NE(
      gen.out.find("inline constexpr auto lamp_chart = lit::chart::define<Lamp>(\"lamp\",\n    initial(\"off\"),\n"),
      std::string::npos)
      << gen.out;
  EXPECT_EQ(gen.out.find("struct Context"), std::string::npos);
  const Result dot = run({"dot", path, "--active", "on"});
  EXPECT_EQ(dot.status, 0);
  EXPECT_EQ(dot.out.substr(0, 15), "digraph \"lamp\" ");
  const Result mermaid = run({"mermaid", path});
  EXPECT_EQ(mermaid.status, 0);
  EXPECT_EQ(mermaid.out.substr(0, 16), "stateDiagram-v2\n");
  EXPECT_EQ(mermaid.err, "");
}

}  // namespace

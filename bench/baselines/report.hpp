// What every actor benchmark binary shares, so that the baselines and lit-bit's
// own runtime are driven and reported the same way: the command line
// (`<workload> [--threads N] [--count N]`), one `name value unit` line per
// figure, a steady_clock timer and the process's resident memory. Header-only;
// no state beyond what each call returns.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace lit::bench {

struct Args {
  std::string_view workload;
  unsigned threads = 1;
  // Overrides the workload's message (or actor, or restart) count for quick runs.
  std::optional<std::uint64_t> count;
};

// Status 2, as for any malformed command line: a benchmark run with
// half-parsed options would print figures that look valid.
[[noreturn]] inline void exit_with_usage(const char* program, std::string_view workloads) {
  std::fprintf(stderr,
               "usage: %s <workload> [--threads N] [--count N]\nworkloads: %.*s\n",
               program,
               static_cast<int>(workloads.size()),
               workloads.data());
  std::exit(2);
}

inline Args parse_args(int argc, char** argv, std::string_view workloads) {
  Args args;
  const auto fail = [&] { exit_with_usage(argc > 0 ? argv[0] : "bench", workloads); };
  const auto number = [&](int i) -> std::uint64_t {
    if (i >= argc) fail();
    char* end = nullptr;
    const unsigned long long value = std::strtoull(argv[i], &end, 10);
    if (end == argv[i] || *end != '\0' || value == 0) fail();
    return value;
  };
  if (argc < 2) fail();
  args.workload = argv[1];
  for (int i = 2; i < argc; i += 2) {
    const std::string_view option = argv[i];
    if (option == "--threads") {
      args.threads = static_cast<unsigned>(number(i + 1));
    } else if (option == "--count") {
      args.count = number(i + 1);
    } else {
      fail();
    }
  }
  return args;
}

// Names figures `<impl>.<workload>.<threads>t[.<figure>]`, the key the
// comparison joins lit-bit's and the baselines' runs on.
class Report {
 public:
  Report(std::string_view impl, std::string_view workload, unsigned threads)
      : prefix_(std::string(impl) + "." + std::string(workload) + "." + std::to_string(threads) + "t") {}

  // Rounded to an integer unless the value is small enough for the fraction to
  // matter; never thousands separators, so the line splits on spaces.
  void figure(std::string_view name, double value, std::string_view unit) const {
    const std::string full = name.empty() ? prefix_ : prefix_ + "." + std::string(name);
    const bool fraction_matters = std::fabs(value) < 1000.0 && std::fabs(value - std::round(value)) >= 0.0005;
    std::printf(fraction_matters ? "%s %.3f %.*s\n" : "%s %.0f %.*s\n",
                full.c_str(),
                value,
                static_cast<int>(unit.size()),
                unit.data());
    std::fflush(stdout);
  }

 private:
  std::string prefix_;
};

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

inline std::uint64_t now_ns() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

// Linux reports ru_maxrss in KiB.
inline std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024U;
}

// Current (not peak) resident set, for before/after deltas; 0 if /proc is not
// readable, which makes a delta obviously wrong rather than plausibly wrong.
inline std::uint64_t current_rss_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long long total_pages = 0;
  unsigned long long resident_pages = 0;
  const int read = std::fscanf(statm, "%llu %llu", &total_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return 0;
  return resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace lit::bench

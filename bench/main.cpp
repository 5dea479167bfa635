// walkv-bench — walkv's benchmarks (Google Benchmark), read against the disk's own fsync rate.
//
//   walkv-bench                                  # everything (a few minutes)
//   walkv-bench --benchmark_filter=BM_Put/sync   # a subset, by regular expression
//   walkv-bench --benchmark_format=json          # machine-readable
//
// Benchmark files go to a fresh directory under $WALKV_BENCH_DIR (default /var/tmp, a disk,
// not a tmpfs) and are removed afterwards. All Google Benchmark flags work; this driver
// only makes the filter, the listing and the reports use the canonical names (registry.h).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "registry.h"
#include "temp_dir.h"

namespace {

using benchmark::BenchmarkReporter;

// A reporter that prints runs under their canonical names: it drops the time type that
// Google Benchmark inserts ("real_time") — every walkv benchmark uses the wall clock.
template <class Base>
class CanonicalNameReporter final : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<BenchmarkReporter::Run>& runs) override {
    std::vector<BenchmarkReporter::Run> renamed(runs);
    for (auto& run : renamed) run.run_name.time_type.clear();
    Base::ReportRuns(renamed);
  }
};

// The reporting flags, read before benchmark::Initialize() consumes them.
struct ReportFlags {
  std::string format = "console";
  std::string out_format = "json";
  std::string color = "auto";
  bool out = false;
  bool counters_tabular = false;
  bool list_tests = false;
};

bool flag_true(std::string_view value) {
  return value.empty() || value == "true" || value == "1" || value == "yes" || value == "y" ||
         value == "t" || value == "on";
}

// Matches "--name" or "--name=value"; sets *value to what follows '=' (empty if none).
bool match_flag(std::string_view arg, std::string_view name, std::string_view* value) {
  if (arg.substr(0, 2) != "--" || arg.substr(2, name.size()) != name) return false;
  std::string_view rest = arg.substr(2 + name.size());
  if (rest.empty()) {
    *value = {};
    return true;
  }
  if (rest.front() != '=') return false;
  *value = rest.substr(1);
  return true;
}

ReportFlags read_report_flags(int argc, char** argv) {
  ReportFlags flags;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i], value;
    if (match_flag(arg, "benchmark_format", &value)) {
      flags.format = value;
    } else if (match_flag(arg, "benchmark_out_format", &value)) {
      flags.out_format = value;
    } else if (match_flag(arg, "benchmark_out", &value)) {
      flags.out = !value.empty();
    } else if (match_flag(arg, "benchmark_color", &value)) {
      flags.color = value;
    } else if (match_flag(arg, "benchmark_counters_tabular", &value)) {
      flags.counters_tabular = flag_true(value);
    } else if (match_flag(arg, "benchmark_list_tests", &value)) {
      flags.list_tests = flag_true(value);
    }
  }
  return flags;
}

std::unique_ptr<BenchmarkReporter> make_reporter(const std::string& format,
                                                 const ReportFlags& flags, bool is_display) {
  if (format == "json") return std::make_unique<CanonicalNameReporter<benchmark::JSONReporter>>();
  if (format != "console") return nullptr;
  int options = benchmark::ConsoleReporter::OO_None;
  const char* term = std::getenv("TERM");
  const bool color = flags.color == "auto"
                         ? is_display && isatty(STDOUT_FILENO) && term != nullptr &&
                               std::string_view(term) != "dumb"
                         : flag_true(flags.color);
  if (color) options |= benchmark::ConsoleReporter::OO_Color;
  if (flags.counters_tabular) options |= benchmark::ConsoleReporter::OO_Tabular;
  return std::make_unique<CanonicalNameReporter<benchmark::ConsoleReporter>>(
      static_cast<benchmark::ConsoleReporter::OutputOptions>(options));
}

}  // namespace

int main(int argc, char** argv) {
  const ReportFlags flags = read_report_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  std::string error;
  auto registry = walkv::bench::Registry::create(benchmark::GetBenchmarkFilter(), &error);
  if (!registry) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  walkv::bench::register_raw_fdatasync(*registry);
  walkv::bench::register_put(*registry);
  walkv::bench::register_get(*registry);
  walkv::bench::register_recover(*registry);
  walkv::bench::register_checkpoint(*registry);
  walkv::bench::register_encode_record(*registry);

  if (flags.list_tests) {
    for (const auto& name : registry->names()) std::cout << name << "\n";
    return 0;
  }
  if (registry->names().empty()) {
    std::cerr << "error: no benchmark matches '" << benchmark::GetBenchmarkFilter() << "'\n";
    return 1;
  }

  auto display = make_reporter(flags.format, flags, /*is_display=*/true);
  auto file = flags.out ? make_reporter(flags.out_format, flags, /*is_display=*/false) : nullptr;
  if (!display || (flags.out && !file)) {
    std::cerr << "error: unknown report format (console or json; csv is deprecated upstream)\n";
    return 2;
  }
  benchmark::AddCustomContext("walkv_bench_dir", walkv::bench::describe_bench_root());
  // The registry already filtered by canonical name: run everything it registered.
  benchmark::RunSpecifiedBenchmarks(display.get(), file.get(), "all");
  benchmark::Shutdown();
  return 0;
}

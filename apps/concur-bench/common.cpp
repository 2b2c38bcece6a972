// concur-bench: helpers shared by the workloads (timing, medians, the Python runner).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench.hpp"

namespace concur_bench {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void finish_impl(Impl& impl, std::int64_t items, const std::vector<double>& runs) {
  impl.available = true;
  impl.items = items;
  impl.runs = runs;
  impl.seconds = median(runs);
  impl.rate = impl.seconds > 0 ? static_cast<double>(items) / impl.seconds : 0;
  impl.best_seconds = runs.empty() ? 0 : *std::min_element(runs.begin(), runs.end());
  impl.best_rate = impl.best_seconds > 0 ? static_cast<double>(items) / impl.best_seconds : 0;
}

std::vector<Impl> measure_interleaved(const std::vector<Contender>& contenders, std::int64_t items,
                                      std::int64_t warmup_items, int repeat, std::string& error) {
  const std::size_t n = contenders.size();
  std::vector<std::vector<double>> runs(n);
  std::vector<std::string> errors(n);
  for (std::size_t c = 0; c < n; ++c) (void)contenders[c].once(warmup_items, errors[c]);
  for (int round = 0; round < repeat; ++round) {
    for (std::size_t c = 0; c < n; ++c) {
      if (errors[c].empty()) runs[c].push_back(contenders[c].once(items, errors[c]));
    }
  }
  std::vector<Impl> out;
  for (std::size_t c = 0; c < n; ++c) {
    out.emplace_back(contenders[c].name, contenders[c].kind);
    if (errors[c].empty()) {
      finish_impl(out.back(), items, runs[c]);
    } else {
      out.back().note = "WRONG RESULT";
      error += contenders[c].name + ": " + errors[c] + " ";
    }
  }
  return out;
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(f >> one >> five >> fifteen)) return {};
  return one + " " + five + " " + fifteen;
}

std::string find_python() {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return {};
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) dir.assign(1, '.');
    const std::string exe = dir + "/python3";
    if (::access(exe.c_str(), X_OK) == 0) return exe;
  }
  return {};
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// The number after "key": in a one-line JSON object (enough for the scripts' output).
std::optional<double> json_number(const std::string& line, const std::string& key) {
  const std::string pat = "\"" + key + "\"";
  auto pos = line.find(pat);
  if (pos == std::string::npos) return std::nullopt;
  pos = line.find(':', pos + pat.size());
  if (pos == std::string::npos) return std::nullopt;
  const char* begin = line.c_str() + pos + 1;
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin) return std::nullopt;
  return v;
}

}  // namespace

Impl run_python(const Options& opt, const std::string& workload, std::int64_t items, int repeat,
                const std::string& extra_args, std::string& error) {
  Impl impl("Python", "python");
  if (!opt.python) {
    impl.note = "skipped (--no-python)";
    return impl;
  }
  if (opt.python_exe.empty()) {
    impl.note = "skipped: python3 not found on PATH";
    return impl;
  }
  const std::string script = opt.python_dir + "/" + workload + ".py";
  if (::access(script.c_str(), R_OK) != 0) {
    impl.note = "skipped: " + script + " not found";
    return impl;
  }
  const std::string cmd = shell_quote(opt.python_exe) + " " + shell_quote(script) + " --items " +
                          std::to_string(items) + (extra_args.empty() ? "" : " " + extra_args);
  std::vector<double> runs;
  std::int64_t reported_items = items;
  for (int i = 0; i < repeat; ++i) {
    std::fflush(stdout);
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
      error = "cannot run: " + cmd;
      impl.note = "failed to start";
      return impl;
    }
    std::string out;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    const int status = ::pclose(p);
    // The last line that looks like a JSON object.
    std::string line;
    std::stringstream ss(out);
    for (std::string l; std::getline(ss, l);) {
      if (!l.empty() && l.front() == '{') line = l;
    }
    const auto secs = json_number(line, "seconds");
    const auto its = json_number(line, "items");
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !secs || !its) {
      const std::string how = status != -1 && WIFEXITED(status)
                                  ? "exit code " + std::to_string(WEXITSTATUS(status))
                                  : "status " + std::to_string(status);
      error = "`" + cmd + "` failed (" + how + "), output: " + out;
      impl.note = "script failed";
      return impl;
    }
    reported_items = static_cast<std::int64_t>(*its);
    runs.push_back(*secs);
  }
  finish_impl(impl, reported_items, runs);
  return impl;
}

void record_error(WorkloadResult& r, const std::string& error) {
  if (error.empty()) return;
  r.failed = true;
  r.error = error;
}

void add_ratios(WorkloadResult& r, const std::vector<std::pair<std::string, double>>& targets) {
  if (!r.concur.available || r.concur.rate <= 0) return;
  for (const Impl& o : r.others) {
    if (!o.available || o.rate <= 0) continue;
    Ratio ratio;
    ratio.against = o.name;
    ratio.value = r.concur.rate / o.rate;
    for (const auto& [name, t] : targets) {
      if (name == o.name) ratio.target = t;
    }
    r.ratios.push_back(ratio);
  }
}

}  // namespace concur_bench

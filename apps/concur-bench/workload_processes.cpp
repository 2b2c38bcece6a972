// concur-bench workloads for the multiprocessing core:
//  - process_start: start + join of a trivial process, one after another; concur::mp::Process
//    vs raw fork()+waitpid() vs Python's multiprocessing.Process (fork start method).
//  - pipe_pingpong: 64-byte round trips through a Pipe to an echoing child process; concur
//    Connection send_bytes/recv_bytes vs two raw pipe(2)s with read/write vs Python's Pipe.
//  - cpu_bound: the course's CPU-bound experiment: 4 workers each run a multiply loop, as
//    threads and as processes, in C++ and in Python (the GIL serialises Python's threads).
//  - io_sleep_processes: the course's IO-bound experiment with processes: 4,000 processes
//    each sleep 2 s, vs 4,000 threads, vs Python's processes.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench.hpp"
#include "concur/multiprocessing.hpp"
#include "concur/threading.hpp"

namespace concur_bench {
namespace {

namespace mp = concur::mp;

// ---------------------------------------------------------------- process_start

double concur_start(std::int64_t n, std::string& error) {
  return time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) {
      mp::Process p([] {});
      p.start();
      p.join();
      if (p.exitcode() != 0 && error.empty()) error = "a child did not exit with 0";
    }
  });
}

double raw_fork_start(std::int64_t n, std::string& error) {
  return time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) {
      const pid_t pid = ::fork();
      if (pid == 0) ::_exit(0);
      int status = 0;
      if (pid < 0 || ::waitpid(pid, &status, 0) != pid || status != 0) {
        if (error.empty()) error = "fork/waitpid failed";
      }
    }
  });
}

// ---------------------------------------------------------------- pipe_pingpong

constexpr std::size_t kMessage = 64;

double concur_pingpong(std::int64_t n, std::string& error) {
  auto mine_theirs = mp::Pipe();  // (clang 14 cannot capture bindings)
  auto& mine = mine_theirs.first;
  auto& theirs = mine_theirs.second;
  mp::Process echo([&theirs, n] {
    for (std::int64_t i = 0; i < n; ++i) theirs.send_bytes(theirs.recv_bytes());
  });
  echo.start();
  theirs.close();
  const std::string msg(kMessage, 'x');
  const double secs = time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) {
      mine.send_bytes(msg);
      if (mine.recv_bytes().size() != kMessage && error.empty()) error = "short echo";
    }
  });
  echo.join();
  return secs;
}

bool write_all(int fd, const char* p, std::size_t len) {
  while (len > 0) {
    const ssize_t w = ::write(fd, p, len);
    if (w <= 0) return false;
    p += w;
    len -= static_cast<std::size_t>(w);
  }
  return true;
}

bool read_all(int fd, char* p, std::size_t len) {
  while (len > 0) {
    const ssize_t r = ::read(fd, p, len);
    if (r <= 0) return false;
    p += r;
    len -= static_cast<std::size_t>(r);
  }
  return true;
}

double raw_pipe_pingpong(std::int64_t n, std::string& error) {
  std::array<int, 2> to_child{};
  std::array<int, 2> to_parent{};
  if (::pipe(to_child.data()) != 0 || ::pipe(to_parent.data()) != 0) {
    error = "pipe() failed";
    return 0;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::array<char, kMessage> buf{};
    for (std::int64_t i = 0; i < n; ++i) {
      if (!read_all(to_child[0], buf.data(), kMessage)) ::_exit(1);
      if (!write_all(to_parent[1], buf.data(), kMessage)) ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(to_child[0]);
  ::close(to_parent[1]);
  std::array<char, kMessage> msg{};
  msg.fill('x');
  std::array<char, kMessage> back{};
  const double secs = time_seconds([&] {
    for (std::int64_t i = 0; i < n; ++i) {
      if (!write_all(to_child[1], msg.data(), kMessage) ||
          !read_all(to_parent[0], back.data(), kMessage)) {
        if (error.empty()) error = "raw pipe echo failed";
        break;
      }
    }
  });
  ::close(to_child[1]);
  ::close(to_parent[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return secs;
}

// ---------------------------------------------------------------- cpu_bound

constexpr int kCpuWorkers = 4;
constexpr std::int64_t kLoopsPerWorker = 10'000'000;  // the course's range(10000000)

// The course's work(): res *= i, kept opaque so the compiler cannot fold the loop.
std::uint64_t work(std::int64_t loops) {
  std::uint64_t res = 0;
  for (std::int64_t i = 0; i < loops; ++i) {
    res *= static_cast<std::uint64_t>(i);
    asm volatile("" : "+r"(res));  // NOLINT(hicpp-no-assembler): an optimisation barrier
  }
  return res;
}

double cpu_threads(std::int64_t total, std::string& /*error*/) {
  return time_seconds([&] {
    std::vector<concur::threading::Thread> ts;
    ts.reserve(kCpuWorkers);
    for (int i = 0; i < kCpuWorkers; ++i)
      ts.emplace_back([total] { (void)work(total / kCpuWorkers); });
    for (auto& t : ts) t.start();
    for (auto& t : ts) t.join();
  });
}

double cpu_processes(std::int64_t total, std::string& error) {
  return time_seconds([&] {
    std::vector<std::unique_ptr<mp::Process>> ps;
    for (int i = 0; i < kCpuWorkers; ++i) {
      ps.push_back(std::make_unique<mp::Process>([total] { (void)work(total / kCpuWorkers); }));
    }
    for (auto& p : ps) p->start();
    for (auto& p : ps) {
      p->join();
      if (p->exitcode() != 0 && error.empty()) error = "a worker process failed";
    }
  });
}

// ---------------------------------------------------------------- io_sleep_processes

constexpr int kSleepers = 4000;

double sleep_processes(std::int64_t n, std::chrono::milliseconds sleep, std::string& error) {
  return time_seconds([&] {
    std::vector<std::unique_ptr<mp::Process>> ps;
    ps.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      ps.push_back(std::make_unique<mp::Process>([sleep] { std::this_thread::sleep_for(sleep); }));
    }
    for (auto& p : ps) p->start();
    for (auto& p : ps) {
      p->join();
      if (p->exitcode() != 0 && error.empty()) error = "a sleeping process failed";
    }
  });
}

double sleep_threads(std::int64_t n, std::chrono::milliseconds sleep) {
  return time_seconds([&] {
    std::vector<concur::threading::Thread> ts;
    ts.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      ts.emplace_back([sleep] { std::this_thread::sleep_for(sleep); });
    }
    for (auto& t : ts) t.start();
    for (auto& t : ts) t.join();
  });
}

}  // namespace

WorkloadResult run_process_start(const Options& opt) {
  WorkloadResult r("process_start", "start + join of a trivial process, one after another",
                   "processes");
  const std::int64_t n = opt.quick ? 500 : 2000;
  std::string error;
  std::vector<Impl> impls = measure_interleaved(
      {{"concur", "concur", concur_start}, {"fork+waitpid", "peer", raw_fork_start}}, n, n / 10,
      opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(impls[1]);
  r.others.push_back(run_python(opt, r.name, opt.quick ? 200 : 1000, opt.repeat, "", error));
  record_error(r, error);
  add_ratios(r, {{"fork+waitpid", 0.8}, {"Python", 5.0}});
  return r;
}

WorkloadResult run_pipe_pingpong(const Options& opt) {
  WorkloadResult r("pipe_pingpong",
                   "64-byte round trips through a Pipe to an echoing child process "
                   "(rate = round trips/s)",
                   "round trips");
  const std::int64_t n = opt.quick ? 5'000 : 100'000;
  std::string error;
  std::vector<Impl> impls = measure_interleaved(
      {{"concur", "concur", concur_pingpong}, {"raw pipe", "peer", raw_pipe_pingpong}}, n, n / 10,
      opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(impls[1]);
  r.others.push_back(
      run_python(opt, r.name, opt.quick ? 5'000 : 100'000, opt.repeat, "--size 64", error));
  record_error(r, error);
  // <= 1.1x a raw pipe's round-trip time is a rate ratio >= 1/1.1.
  add_ratios(r, {{"raw pipe", 1.0 / 1.1}, {"Python", 1.0}});
  return r;
}

WorkloadResult run_cpu_bound(const Options& opt) {
  WorkloadResult r("cpu_bound",
                   "the course's CPU-bound experiment: 4 workers x 10,000,000 iterations of "
                   "res *= i, as processes (concur) and as threads; rate = iterations/s",
                   "iterations");
  const std::int64_t total = kCpuWorkers * kLoopsPerWorker;
  std::string error;
  std::vector<Impl> impls = measure_interleaved(
      {{"concur", "concur", cpu_processes}, {"concur threads", "concur", cpu_threads}}, total,
      total / 10, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(impls[1]);
  const std::int64_t py_items = opt.quick ? 4'000'000 : total;
  Impl py_proc = run_python(opt, r.name, py_items, opt.repeat, "--mode processes", error);
  py_proc.name = "Python processes";
  Impl py_threads = run_python(opt, r.name, py_items, opt.repeat, "--mode threads", error);
  py_threads.name = "Python threads";
  r.others.push_back(py_proc);
  r.others.push_back(py_threads);
  record_error(r, error);
  add_ratios(r, {});
  r.notes.push_back(
      "C++ threads and processes both use every core; Python's threads take turns under the "
      "GIL, so only its processes scale. Python runs " +
      std::to_string(py_items) + " iterations; rates are compared.");
  return r;
}

WorkloadResult run_io_sleep_processes(const Options& opt) {
  WorkloadResult r("io_sleep_processes",
                   "the course's IO-bound experiment with processes: 4,000 processes each "
                   "sleep 2 s, all started then joined (rate = processes/s)",
                   "processes");
  r.report_seconds = true;
  const int repeat = opt.quick ? 1 : std::min(opt.repeat, 3);
  std::string error;
  std::vector<double> runs;
  std::vector<double> thread_runs;
  (void)sleep_processes(64, std::chrono::milliseconds(10), error);  // warm-up
  for (int i = 0; i < repeat && error.empty(); ++i) {
    runs.push_back(sleep_processes(kSleepers, std::chrono::seconds(2), error));
    thread_runs.push_back(sleep_threads(kSleepers, std::chrono::seconds(2)));
  }
  r.concur = Impl("concur", "concur");
  Impl threads("concur threads", "concur");
  if (error.empty()) {
    finish_impl(r.concur, kSleepers, runs);
    finish_impl(threads, kSleepers, thread_runs);
  }
  r.others.push_back(threads);
  if (opt.quick) {
    Impl py("Python", "python", "skipped with --quick (4,000 Python processes take ~30 s)");
    r.others.push_back(py);
  } else {
    r.others.push_back(run_python(opt, r.name, kSleepers, 1, "--sleep 2", error));
  }
  record_error(r, error);
  add_ratios(r, {});
  r.notes.push_back("Ratio = other seconds / concur seconds (same 4,000 sleepers, 2 s each).");
  return r;
}

}  // namespace concur_bench

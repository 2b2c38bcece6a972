// concur-bench workloads for the shared-memory multiprocessing queue (concur::mp::Queue), each
// against Boost.Interprocess message_queue (when found) and Python's multiprocessing.Queue:
//  - mpq_small: 1 producer process -> 1 consumer process, 64-byte messages.
//  - mpq_large: the same with 1 MiB messages, plus a single-core memcpy of 1 MiB blocks.
//  - mpq_4x4: 4 producer + 4 consumer processes, 64-byte messages, one sentinel per consumer;
//    against concur's own 1 -> 1 rate, measured in the same run (no Boost).
//  - mpq_pingpong: 64-byte round trips to an echoing child through two queues.
// Producers write a sequence number into each message, consumers check what they receive, and
// the parent checks exit codes and tallies: a wrong result becomes the workload's error.
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench.hpp"
#include "concur/multiprocessing.hpp"

#if defined(CONCUR_BENCH_HAVE_BOOST_IPC)
#include <boost/interprocess/ipc/message_queue.hpp>
#endif

namespace concur_bench {
namespace {

namespace mp = concur::mp;

constexpr std::size_t kSmallDepth = 1024;                  // messages a 64-byte queue holds
constexpr std::size_t kLarge = std::size_t{1} << 20;       // mpq_large message bytes
constexpr std::size_t kLargeDepth = 8;                     // messages a 1 MiB queue holds
constexpr std::size_t kLargeRing = std::size_t{16} << 20;  // concur ring for 8 x 1 MiB
constexpr std::uint64_t kFanOut = 4;                       // mpq_4x4 producers = consumers
constexpr auto kJoinLimit = std::chrono::seconds(60);      // a run's children must end by then
const std::string kBoost = "Boost message_queue";          // the C++ peer's name

// ---------------------------------------------------------------- messages and checks

// A 64-byte message: a sequence number (from 1), a flag and filler whose last byte repeats
// the low byte of the sequence number.
struct Msg {
  std::uint64_t seq = 0;
  std::uint64_t flag = 0;
  std::array<char, 48> fill{};
};
static_assert(sizeof(Msg) == 64 && std::is_trivially_copyable_v<Msg>);
constexpr std::uint64_t kData = 0x600dda7a;
constexpr std::uint64_t kStop = 0x5709;

// A message to stamp() sequence numbers into: a Msg, or 1 MiB of a byte pattern whose first
// and last 8 bytes take the sequence number.
template <class M>
M make_message() {
  M m{};
  if constexpr (std::is_same_v<M, Msg>) {
    m.flag = kData;
  } else {
    m.resize(kLarge);
    for (std::size_t i = 0; i < kLarge; ++i) m[i] = static_cast<char>(i * 31 + 7);
  }
  return m;
}

void stamp(Msg& m, std::uint64_t seq) {
  m.seq = seq;
  m.fill.back() = static_cast<char>(seq);
}

void stamp(std::string& s, std::uint64_t seq) {
  std::memcpy(s.data(), &seq, sizeof seq);
  std::memcpy(s.data() + kLarge - sizeof seq, &seq, sizeof seq);
}

// The message is whole and carries `seq`.
bool intact(const Msg& m, std::uint64_t seq) {
  return m.seq == seq && m.flag == kData && m.fill.back() == static_cast<char>(seq);
}

bool intact(const std::string& s, std::uint64_t seq) {
  if (s.size() != kLarge) return false;
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
  std::memcpy(&head, s.data(), sizeof head);
  std::memcpy(&tail, s.data() + kLarge - sizeof tail, sizeof tail);
  const std::size_t mid = kLarge / 2 + static_cast<std::size_t>(seq % 4096);
  return head == seq && tail == seq && s[mid] == static_cast<char>(mid * 31 + 7);
}

// What one consumer saw; it lives in shared memory, so the parent reads it after the join.
struct Tally {
  std::uint64_t count = 0;  // data messages
  std::uint64_t sum = 0;    // of their sequence numbers
  std::uint64_t sumsq = 0;  // of their squares (mod 2^64)
  std::uint64_t bad = 0;    // out of order, wrong size or corrupt
  std::uint64_t stops = 0;  // sentinels
  void add(std::uint64_t seq) {
    ++count;
    sum += seq;
    sumsq += seq * seq;
  }
  Tally& operator+=(const Tally& o) {
    count += o.count, sum += o.sum, sumsq += o.sumsq, bad += o.bad, stops += o.stops;
    return *this;
  }
};

// What is wrong with a tally ("" when nothing): the parent expects sequence numbers 1..n,
// each once, nothing corrupt, and `stops` sentinels.
std::string check_tally(const Tally& got, std::uint64_t n, std::uint64_t stops) {
  Tally want;
  for (std::uint64_t s = 1; s <= n; ++s) want.add(s);
  using std::to_string;
  std::string e;
  if (got.count != n) e += "received " + to_string(got.count) + " of " + to_string(n) + "; ";
  if (got.sum != want.sum || got.sumsq != want.sumsq) {
    e += "sum of sequence numbers " + to_string(got.sum) + " (expected " + to_string(want.sum) +
         ") or their sum of squares differs: messages lost, duplicated or corrupt; ";
  }
  if (got.bad != 0) e += to_string(got.bad) + " messages corrupt or out of order; ";
  if (got.stops != stops) e += to_string(got.stops) + " sentinels, expected " + to_string(stops);
  return e;
}

// An array of T in a MAP_SHARED anonymous mapping: fork()ed children write, the parent reads.
template <class T>
class SharedArray {
 public:
  explicit SharedArray(std::size_t n) : n_(n) {
    void* p = ::mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap of the shared tallies failed");
    data_ = static_cast<T*>(p);
    for (std::size_t i = 0; i < n_; ++i) new (data_ + i) T{};
  }
  ~SharedArray() { ::munmap(data_, bytes()); }
  SharedArray(const SharedArray&) = delete;
  SharedArray& operator=(const SharedArray&) = delete;
  T& operator[](std::size_t i) { return data_[i]; }

 private:
  [[nodiscard]] std::size_t bytes() const { return n_ * sizeof(T); }
  std::size_t n_;
  T* data_ = nullptr;
};

// ---------------------------------------------------------------- child processes

// A fork()ed child blocked on a queue must not outlive the bench process (the watchdog's
// exit, a crash): the kernel kills it when its parent dies.
void die_with_parent(pid_t parent) {
  (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
}

// The child processes of one run. join() waits for them all (kJoinLimit in all) and checks
// their exit codes; children still running then, or when the run ends early (an exception),
// are killed and reaped by the destructor, so every child is always joined.
class Children {
 public:
  ~Children() {
    for (auto& p : procs_) {
      try {
        if (!p->pid() || p->exitcode()) continue;  // never started, or already ended
        p->kill();
        (void)p->join();
      } catch (...) {  // NOLINT(bugprone-empty-catch): best effort while unwinding
      }
    }
  }

  template <class F>
  void add(F f) {
    const pid_t parent = ::getpid();
    procs_.push_back(std::make_unique<mp::Process>([f = std::move(f), parent]() mutable {
      die_with_parent(parent);
      f();
    }));
  }

  void start() {
    for (auto& p : procs_) p->start();
  }

  // True when every child exited with 0 in time; otherwise appends why to `error`.
  bool join(std::string& error) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + kJoinLimit;
    bool ok = true;
    for (std::size_t i = 0; i < procs_.size(); ++i) {
      const auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
      if (!procs_[i]->join(left)) {
        error += "child " + std::to_string(i) + " of " + std::to_string(procs_.size()) +
                 " still running after " + std::to_string(kJoinLimit.count()) +
                 " s (a lost message or wake-up?); ";
        return false;  // the destructor kills and reaps the rest
      }
      const std::optional<int> code = procs_[i]->exitcode();
      if (code != 0) {
        ok = false;
        error += "child " + std::to_string(i) + " exited with code " +
                 std::to_string(code.value_or(-999)) + "; ";
      }
    }
    return ok;
  }

 private:
  std::vector<std::unique_ptr<mp::Process>> procs_;
};

// ---------------------------------------------------------------- the queues

struct ConcurSmall {
  using Message = Msg;
  mp::Queue<Msg> q{kSmallDepth};
  void send(const Msg& m) { q.put(m); }
  void recv(Msg& m) { m = q.get(); }
};

struct ConcurLarge {
  using Message = std::string;
  mp::Queue<std::string> q{kLargeDepth, mp::QueueOptions{.ring_bytes = kLargeRing}};
  void send(const std::string& s) { q.put(s); }
  void recv(std::string& s) { s = q.get(); }
};

#if defined(CONCUR_BENCH_HAVE_BOOST_IPC)
namespace bip = boost::interprocess;

// A message_queue under a name of its own, removed again by the destructor (also when the
// run fails). fork()ed children use the parent's mapping.
class BoostQueue {
 public:
  BoostQueue(std::size_t max_msgs, std::size_t msg_size) {
    static std::atomic<int> serial{0};
    name_ = "concur_bench_mpq_" + std::to_string(::getpid()) + "_" + std::to_string(++serial);
    bip::message_queue::remove(name_.c_str());
    try {
      q_.emplace(bip::create_only, name_.c_str(), max_msgs, msg_size);
    } catch (...) {
      bip::message_queue::remove(name_.c_str());
      throw;
    }
  }
  ~BoostQueue() {
    q_.reset();
    bip::message_queue::remove(name_.c_str());
  }
  void send(const void* p, std::size_t n) { q_->send(p, n, 0); }
  // The size of the message received into p (at most n bytes).
  std::size_t recv(void* p, std::size_t n) {
    bip::message_queue::size_type got = 0;
    unsigned priority = 0;
    q_->receive(p, n, got, priority);
    return got;
  }

 private:
  std::string name_;
  std::optional<bip::message_queue> q_;
};

struct BoostSmall {
  using Message = Msg;
  BoostQueue q{kSmallDepth, sizeof(Msg)};
  void send(const Msg& m) { q.send(&m, sizeof m); }
  void recv(Msg& m) {
    if (q.recv(&m, sizeof m) != sizeof m) m.flag = 0;  // a short message: not intact
  }
};

struct BoostLarge {
  using Message = std::string;
  BoostQueue q{kLargeDepth, kLarge};
  void send(const std::string& s) { q.send(s.data(), s.size()); }
  void recv(std::string& s) {
    s.resize(kLarge);
    s.resize(q.recv(s.data(), kLarge));
  }
};
#endif

// ---------------------------------------------------------------- the runs

// One producer process sends sequence numbers 1..items, one consumer process checks each in
// order. Seconds from the first start() to the last join().
template <class Channel>
double one_to_one(std::int64_t items, std::string& error) {
  using M = typename Channel::Message;
  Channel ch;
  SharedArray<Tally> tally(1);
  const auto n = static_cast<std::uint64_t>(items);
  Children kids;
  kids.add([&ch, &tally, n] {
    Tally& t = tally[0];
    M m{};
    for (std::uint64_t i = 1; i <= n; ++i) {
      ch.recv(m);
      if (intact(m, i)) {
        t.add(i);
      } else {
        ++t.bad;
      }
    }
  });
  kids.add([&ch, n] {
    M m = make_message<M>();
    for (std::uint64_t i = 1; i <= n; ++i) {
      stamp(m, i);
      ch.send(m);
    }
  });
  bool joined = false;
  const double secs = time_seconds([&] {
    kids.start();
    joined = kids.join(error);
  });
  if (joined) error += check_tally(tally[0], n, 0);
  return secs;
}

// kFanOut producers send disjoint ranges of 1..items (a multiple of kFanOut), then one sentinel
// each; kFanOut consumers take messages until their first sentinel and check that each producer's
// numbers reach them in increasing order. Every number must arrive exactly once in all.
double fan_in_out(std::int64_t items, std::string& error) {
  const auto per = static_cast<std::uint64_t>(items) / kFanOut;
  mp::Queue<Msg> q(kSmallDepth);
  SharedArray<Tally> tally(kFanOut);
  Children kids;
  for (std::uint64_t c = 0; c < kFanOut; ++c) {
    kids.add([&q, &tally, c, per] {
      Tally& t = tally[c];
      std::array<std::uint64_t, kFanOut> last{};
      for (;;) {
        const Msg m = q.get();
        if (m.flag == kStop) {
          ++t.stops;
          break;
        }
        const std::uint64_t p = (m.seq - 1) / per;
        if (m.seq == 0 || p >= kFanOut || m.seq <= last[p] || !intact(m, m.seq)) {
          ++t.bad;
        } else {
          last[p] = m.seq;
        }
        t.add(m.seq);
      }
    });
  }
  for (std::uint64_t p = 0; p < kFanOut; ++p) {
    kids.add([&q, p, per] {
      Msg m = make_message<Msg>();
      for (std::uint64_t s = p * per + 1; s <= (p + 1) * per; ++s) {
        stamp(m, s);
        q.put(m);
      }
      Msg stop;
      stop.flag = kStop;
      q.put(stop);
    });
  }
  bool joined = false;
  const double secs = time_seconds([&] {
    kids.start();
    joined = kids.join(error);
  });
  if (joined) {
    Tally all;
    for (std::uint64_t c = 0; c < kFanOut; ++c) {
      all += tally[c];
      if (tally[c].stops != 1) error += "consumer " + std::to_string(c) + " saw no sentinel; ";
    }
    error += check_tally(all, per * kFanOut, kFanOut);
  }
  return secs;
}

// A child echoes `items` messages from one queue back through another; the parent times the
// round trips and checks each echo.
template <class Channel>
double pingpong(std::int64_t items, std::string& error) {
  Channel down;
  Channel up;
  const auto n = static_cast<std::uint64_t>(items);
  Children kids;
  kids.add([&down, &up, n] {
    Msg m;
    for (std::uint64_t i = 0; i < n; ++i) {
      down.recv(m);
      up.send(m);
    }
  });
  kids.start();
  std::uint64_t bad = 0;
  Msg m = make_message<Msg>();
  Msg back;
  const double secs = time_seconds([&] {
    for (std::uint64_t i = 1; i <= n; ++i) {
      stamp(m, i);
      down.send(m);
      up.recv(back);
      if (!intact(back, i)) ++bad;
    }
  });
  (void)kids.join(error);
  if (bad != 0) error += std::to_string(bad) + " echoes differ from what was sent; ";
  return secs;
}

// Single-core memcpy bandwidth for 1 MiB blocks: sources and destinations rotate through
// 64 MiB each, far more than the caches hold, as a stream of fresh messages does (a copy of
// one cache-warm block would measure the L2 cache instead).
double memcpy_large(std::int64_t items, std::string& error) {
  constexpr std::size_t kBlocks = 64;
  std::vector<std::string> src(kBlocks, make_message<std::string>());
  std::vector<std::string> dst(kBlocks, std::string(kLarge, '\0'));
  const auto n = static_cast<std::uint64_t>(items);
  std::uint64_t bad = 0;
  const double secs = time_seconds([&] {
    for (std::uint64_t i = 1; i <= n; ++i) {
      std::string& from = src[i % kBlocks];
      std::string& to = dst[(i * 7) % kBlocks];
      stamp(from, i);
      std::memcpy(to.data(), from.data(), kLarge);
      asm volatile("" : : "r"(to.data()) : "memory");  // NOLINT: the copy must happen
      if (!intact(to, i)) ++bad;
    }
  });
  if (bad != 0) error += std::to_string(bad) + " copies differ from their source; ";
  return secs;
}

// ---------------------------------------------------------------- reporting helpers

std::string fmt(const char* f, double v) {
  std::array<char, 64> buf{};
  std::snprintf(buf.data(), buf.size(), f, v);
  return buf.data();
}

// "concur 1.23, Python 4.56": `f` of value(impl) for every measured implementation.
template <class Value>
std::string per_impl(const WorkloadResult& r, const char* f, Value value) {
  std::string s;
  auto add = [&](const Impl& i) {
    if (i.available && i.rate > 0) s += (s.empty() ? "" : ", ") + i.name + " " + fmt(f, value(i));
  };
  add(r.concur);
  for (const Impl& i : r.others) add(i);
  return s;
}

// The measured `name` from impls, or an entry saying it was not built in.
Impl pick(const std::vector<Impl>& impls, const std::string& name, const std::string& kind) {
  for (const Impl& i : impls) {
    if (i.name == name) return i;
  }
  return {name, kind, "not installed (its headers were not found at build time)"};
}

void finish(WorkloadResult& r, std::string error) {
  // The checks end each complaint with "; ": tidy the joins and the end.
  for (std::size_t at = 0; (at = error.find(";  ", at)) != std::string::npos;)
    error.erase(at + 1, 1);
  while (!error.empty() && (error.back() == ' ' || error.back() == ';')) error.pop_back();
  record_error(r, error);
}

std::string items_note(const WorkloadResult& r) {
  if (!r.concur.available) return {};
  const Impl& py = r.others.back();
  return "C++ moves " + std::to_string(r.concur.items) +
         (py.available ? ", Python " + std::to_string(py.items) : "") + "; rates are compared.";
}

}  // namespace

WorkloadResult run_mpq_small(const Options& opt) {
  WorkloadResult r("mpq_small",
                   "1 producer process -> 1 consumer process, 64-byte messages through a queue "
                   "of 1024 messages; every sequence number checked in order; rate = messages/s",
                   "messages");
  const std::int64_t n = opt.quick ? 200'000 : 2'000'000;
  std::string error;
  std::vector<Contender> contenders{{"concur", "concur", one_to_one<ConcurSmall>}};
#if defined(CONCUR_BENCH_HAVE_BOOST_IPC)
  contenders.push_back({kBoost, "peer", one_to_one<BoostSmall>});
#endif
  const std::vector<Impl> impls = measure_interleaved(contenders, n, n / 10, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(pick(impls, kBoost, "peer"));
  r.others.push_back(run_python(opt, "mp_queue_small", opt.quick ? 20'000 : 200'000, opt.repeat,
                                "--size 64 --maxsize 1024", error));
  finish(r, error);
  add_ratios(r, {{kBoost, 2.0}, {"Python", 50.0}});
  r.notes.push_back(
      "concur mp::Queue<64-byte struct>(1024) with its default 1 MiB ring; Boost.Interprocess "
      "message_queue(max_num_msg 1024, max_msg_size 64); Python multiprocessing.Queue(1024) of "
      "64-byte bytes (fork). Times include starting and joining both processes. " +
      items_note(r));
  return r;
}

WorkloadResult run_mpq_large(const Options& opt) {
  WorkloadResult r("mpq_large",
                   "1 producer process -> 1 consumer process, 1 MiB messages through a queue of "
                   "8; contents checked; rate = messages/s (GB/s in the notes)",
                   "1 MiB messages");
  const std::int64_t n = opt.quick ? 1'000 : 2'000;
  std::string error;
  std::vector<Contender> contenders{{"concur", "concur", one_to_one<ConcurLarge>}};
#if defined(CONCUR_BENCH_HAVE_BOOST_IPC)
  contenders.push_back({kBoost, "peer", one_to_one<BoostLarge>});
#endif
  contenders.push_back({"memcpy", "baseline", memcpy_large});
  const std::vector<Impl> impls = measure_interleaved(contenders, n, n / 10, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(pick(impls, kBoost, "peer"));
  r.others.push_back(pick(impls, "memcpy", "baseline"));
  r.others.push_back(run_python(opt, "mp_queue_large", opt.quick ? 100 : 500, opt.repeat,
                                "--size " + std::to_string(kLarge) + " --maxsize 8", error));
  finish(r, error);
  add_ratios(r, {{kBoost, 1.3}, {"memcpy", 0.4}});
  r.notes.push_back(
      "GB/s (1e9 bytes/s, from the median): " +
      per_impl(r, "%.2f",
               [](const Impl& i) { return i.rate * static_cast<double>(kLarge) / 1e9; }) +
      ".");
  r.notes.push_back(
      "concur mp::Queue<std::string>(8), 16 MiB ring; Boost message_queue(8, 1 MiB) "
      "into a reused buffer; Python Queue(8) of bytes; memcpy: one core copying 1 MiB "
      "blocks through 64 MiB of sources into 64 MiB of destinations. " +
      items_note(r));
  return r;
}

WorkloadResult run_mpq_4x4(const Options& opt) {
  WorkloadResult r(
      "mpq_4x4",
      "4 producer + 4 consumer processes, 64-byte messages through one queue of "
      "1024, a sentinel per consumer; each message must arrive once; rate = messages/s",
      "messages");
  const std::int64_t n = opt.quick ? 1'000'000 : 2'000'000;
  std::string error;
  const std::vector<Impl> impls = measure_interleaved(
      {{"concur", "concur", fan_in_out}, {"concur 1->1", "concur", one_to_one<ConcurSmall>}}, n,
      n / 10, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(impls[1]);
  r.others.push_back(run_python(opt, "mp_queue_4x4", opt.quick ? 20'000 : 200'000, opt.repeat,
                                "--producers 4 --consumers 4 --size 64 --maxsize 1024", error));
  finish(r, error);
  add_ratios(r, {{"concur 1->1", 0.5}});
  r.notes.push_back(
      "vs concur 1->1 = this rate / mpq_small's concur rate, measured here (target "
      ">= 0.5x). 8 processes on " +
      std::to_string(std::thread::hardware_concurrency()) +
      " hardware threads. Checked: count, sum and sum of squares of the sequence "
      "numbers, each producer's order at each consumer. " +
      items_note(r));
  return r;
}

WorkloadResult run_mpq_pingpong(const Options& opt) {
  WorkloadResult r("mpq_pingpong",
                   "64-byte round trips through two queues to an echoing child process "
                   "(rate = round trips/s; mean round trip in the checks and notes)",
                   "round trips");
  const std::int64_t n = opt.quick ? 5'000 : 200'000;
  std::string error;
  std::vector<Contender> contenders{{"concur", "concur", pingpong<ConcurSmall>}};
#if defined(CONCUR_BENCH_HAVE_BOOST_IPC)
  contenders.push_back({kBoost, "peer", pingpong<BoostSmall>});
#endif
  const std::vector<Impl> impls = measure_interleaved(contenders, n, n / 10, opt.repeat, error);
  r.concur = impls[0];
  r.others.push_back(pick(impls, kBoost, "peer"));
  r.others.push_back(run_python(opt, "mp_queue_pingpong", opt.quick ? 2'000 : 20'000, opt.repeat,
                                "--size 64", error));
  finish(r, error);
  add_ratios(r, {});
  if (r.concur.available && r.concur.rate > 0) {
    const double us = 1e6 / r.concur.rate;
    r.checks.push_back({"concur mean round trip", "<= 2 us", fmt("%.2f us", us), us <= 2.0});
  }
  r.notes.push_back("Mean round trip (median run): " +
                    per_impl(r, "%.2f us", [](const Impl& i) { return 1e6 / i.rate; }) +
                    ". concur mp::Queue<64-byte struct>(1024) pair; Boost message_queue "
                    "pair (1024 x 64 bytes); Python multiprocessing.Queue pair. " +
                    items_note(r));
  return r;
}

}  // namespace concur_bench

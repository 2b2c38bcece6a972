// Tests for concur::threading::local<T> (Python: threading.local).
#include <gtest/gtest.h>

#include <atomic>
#include <concur/concur.hpp>
#include <memory>
#include <string>
#include <vector>

#include "support/test_helpers.hpp"

namespace th = concur::threading;

namespace {
using concur_test::kScale;

struct Tracked {
  static inline std::atomic<int> alive{0};
  static inline std::atomic<int> destroyed{0};
  int v;
  explicit Tracked(int x) : v(x) { alive.fetch_add(1); }
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() {
    alive.fetch_sub(1);
    destroyed.fetch_add(1);
  }
};
}  // namespace

TEST(Local, PerThreadValues) {
  th::local<int> x(5);
  *x = 1;
  std::vector<int> seen(4, -1);
  std::vector<th::Thread> v;
  for (int i = 0; i < 4; ++i) {
    v.emplace_back([&, i] {
      seen[static_cast<std::size_t>(i)] = *x;  // fresh value from the ctor args
      *x = 100 + i;
      seen[static_cast<std::size_t>(i)] += *x * 10;
    });
  }
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], 5 + (100 + i) * 10);
  EXPECT_EQ(*x, 1);
}

TEST(Local, CtorArgsCopied) {
  std::string s = "nobody";
  th::local<std::string> who(s);
  s = "changed";
  EXPECT_EQ(*who, "nobody");
  EXPECT_EQ(who->size(), 6U);
  std::string other;
  th::Thread t([&] {
    other = *who;
    *who = "alice";
  });
  t.start();
  t.join();
  EXPECT_EQ(other, "nobody");
  EXPECT_EQ(who.get(), "nobody");
}

TEST(Local, MultiArgCtor) {
  th::local<std::string> rep(3, 'z');
  EXPECT_EQ(*rep, "zzz");
}

TEST(Local, DefaultCtor) {
  th::local<std::vector<int>> v;
  EXPECT_TRUE(v->empty());
  v->push_back(1);
  EXPECT_EQ(v->size(), 1U);
}

TEST(Local, DestroyedAtThreadExit) {
  Tracked::destroyed = 0;
  const int before = Tracked::alive.load();
  th::local<Tracked> loc(7);
  std::vector<th::Thread> v;
  std::atomic<int> sum{0};
  for (int i = 0; i < 5; ++i) v.emplace_back([&] { sum.fetch_add(loc->v); });
  for (auto& t : v) t.start();
  for (auto& t : v) t.join();
  EXPECT_EQ(sum.load(), 35);
  EXPECT_EQ(Tracked::destroyed.load(), 5);
  EXPECT_EQ(Tracked::alive.load(), before);
  // A thread that never touches it creates nothing.
  th::Thread idle([] {});
  idle.start();
  idle.join();
  EXPECT_EQ(Tracked::destroyed.load(), 5);
}

TEST(Local, DestroyedWithLocal) {
  Tracked::destroyed = 0;
  {
    th::local<Tracked> loc(1);
    EXPECT_EQ(loc->v, 1);
    EXPECT_EQ(Tracked::destroyed.load(), 0);
  }
  EXPECT_EQ(Tracked::destroyed.load(), 1);
}

TEST(Local, LocalDestroyedBeforeThreadExits) {
  Tracked::destroyed = 0;
  th::Event touched;
  th::Event go;
  auto loc = std::make_unique<th::local<Tracked>>(2);
  th::Thread t([&] {
    (void)(*loc)->v;
    touched.set();
    go.wait();
  });
  t.start();
  touched.wait();
  loc.reset();
  EXPECT_EQ(Tracked::destroyed.load(), 1);
  go.set();
  t.join();
  EXPECT_EQ(Tracked::destroyed.load(), 1);
}

TEST(Local, TwoLocalsIndependent) {
  th::local<int> a(1);
  th::local<int> b(2);
  *a = 10;
  EXPECT_EQ(*b, 2);
  EXPECT_EQ(*a, 10);
}

TEST(Local, ForeignThread) {
  th::local<int> x(3);
  int seen = 0;
  std::thread t([&] {
    seen = *x;
    *x = 9;
  });
  t.join();
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(*x, 3);
}

TEST(LocalStress, ManyThreadsManyLocals) {
  Tracked::destroyed = 0;
  const int threads = 50 / kScale;
  std::atomic<long> sum{0};
  {
    std::vector<std::unique_ptr<th::local<Tracked>>> locs;
    for (int i = 0; i < 20; ++i) locs.push_back(std::make_unique<th::local<Tracked>>(i));
    std::vector<th::Thread> v;
    for (int i = 0; i < threads; ++i) {
      v.emplace_back([&] {
        for (int r = 0; r < 100; ++r) {
          for (auto& l : locs) sum.fetch_add((*l)->v);
        }
      });
    }
    for (auto& t : v) t.start();
    for (auto& t : v) t.join();
  }
  EXPECT_EQ(sum.load(), static_cast<long>(threads) * 100 * 190);
  EXPECT_EQ(Tracked::destroyed.load(), threads * 20);
}

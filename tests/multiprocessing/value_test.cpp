// mp::Value / mp::Array: shared across fork, locked access, checked totals.
#include "concur/multiprocessing/value.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <vector>

#include "concur/multiprocessing/process.hpp"
#include "support/mp_test_util.hpp"

namespace mp = concur::mp;

namespace {
class ValueTest : public concur_test::LeakCheckedTest {};
struct Point {
  double x;
  double y;
};
}  // namespace

TEST_F(ValueTest, GetSetAndChildrenSeeChanges) {
  mp::Value<int> v(5);
  EXPECT_EQ(v.get(), 5);
  mp::Process p([&] { v.set(v.get() * 10); });
  p.start();
  p.join();
  EXPECT_EQ(v.value(), 50);
  mp::Value<Point> pt(Point{1, 2});
  mp::Process q([&] { pt.set(Point{3, 4}); });
  q.start();
  q.join();
  EXPECT_EQ(pt.get().x, 3);
  EXPECT_EQ(pt.get().y, 4);
}

TEST_F(ValueTest, LockFalseHasNoLock) {
  mp::Value<long> v(1, false);
  EXPECT_THROW(v.get_lock(), concur::RuntimeError);
  *v.get_obj() = 7;
  EXPECT_EQ(v.get(), 7);
}

TEST_F(ValueTest, StressIncrementsUnderGetLock) {
  constexpr int kProcs = 4;
  constexpr int kEach = 20000;
  mp::Value<long> counter(0);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < kProcs; ++i) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (int k = 0; k < kEach; ++k) {
        std::lock_guard g(counter.get_lock());
        counter.set(counter.get() + 1);
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (auto& p : ps) p->join();
  EXPECT_EQ(counter.get(), long{kProcs} * kEach);
}

TEST_F(ValueTest, ArrayBasics) {
  mp::Array<int> a(4);
  EXPECT_EQ(a.size(), 4U);
  EXPECT_EQ(a.to_vector(), (std::vector<int>{0, 0, 0, 0}));
  a.set(2, 9);
  EXPECT_EQ(a.get(2), 9);
  EXPECT_THROW((void)a.get(4), mp::IndexError);
  EXPECT_THROW(a.set(100, 1), mp::IndexError);
  mp::Array<double> b{1.5, 2.5};
  EXPECT_EQ(b.get(1), 2.5);
  b[0] = 4.0;
  EXPECT_EQ(b.span()[0], 4.0);
  mp::Array<char> empty(std::size_t{0});
  EXPECT_EQ(empty.size(), 0U);
}

TEST_F(ValueTest, ArrayWrittenByChildren) {
  // The course's demo: children fill an Array and negate a Value.
  mp::Array<int> arr{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  mp::Value<double> num(3.1415927);
  mp::Process p([&] {
    num.set(-num.get());
    for (std::size_t i = 0; i < arr.size(); ++i) arr.set(i, -arr.get(i));
  });
  p.start();
  p.join();
  EXPECT_EQ(num.get(), -3.1415927);
  EXPECT_EQ(arr.to_vector(), (std::vector<int>{0, -1, -2, -3, -4, -5, -6, -7, -8, -9}));
}

TEST_F(ValueTest, StressArrayUnderLockAcrossProcesses) {
  constexpr int kProcs = 4;
  constexpr int kEach = 5000;
  mp::Array<long> arr(8);
  std::vector<std::unique_ptr<mp::Process>> ps;
  for (int i = 0; i < kProcs; ++i) {
    ps.push_back(std::make_unique<mp::Process>([&] {
      for (int k = 0; k < kEach; ++k) {
        std::lock_guard g(arr.get_lock());
        for (std::size_t j = 0; j < arr.size(); ++j) arr[j] += 1;
      }
    }));
  }
  for (auto& p : ps) p->start();
  for (auto& p : ps) p->join();
  for (long v : arr.to_vector()) EXPECT_EQ(v, long{kProcs} * kEach);
}

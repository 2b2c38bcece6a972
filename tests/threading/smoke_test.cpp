#include <gtest/gtest.h>

#include <concur/concur.hpp>

TEST(Smoke, LockQueueThread) {
  concur::threading::Lock lock;
  concur::queue::Queue<int> q(4);
  long total = 0;
  concur::threading::Thread t([&] {
    for (int i = 1; i <= 1000; ++i) q.put(i);
  });
  t.start();
  for (int i = 0; i < 1000; ++i) {
    std::lock_guard g(lock);
    total += q.get();
  }
  t.join();
  EXPECT_EQ(total, 500500);
}

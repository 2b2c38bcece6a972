// Python: 001 "单例模式" - a thread-safe singleton: 10 threads call A(), __new__ checks and
// creates the one instance under a class-level Lock, so all threads get the same object.
#include <array>
#include <atomic>
#include <chrono>
#include <concur/threading.hpp>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

class A {
 public:
  static A* instance() {  // Python: A() with an overridden __new__
    // Double-checked: once the instance exists, nobody needs the lock any more.
    if (A* a = instance_.load(std::memory_order_acquire)) return a;
    std::lock_guard g(lock_);                                     // with cls.lock:
    if (!instance_.load(std::memory_order_relaxed)) {             // if not cls.__instance:
      std::this_thread::sleep_for(std::chrono::microseconds(1));  // let the CPU switch threads
      instance_.store(new A, std::memory_order_release);  // lives until exit, like the class
    }
    return instance_.load(std::memory_order_relaxed);
  }
  static inline std::atomic<int> created{0};

 private:
  A() { created += 1; }
  static inline th::Lock lock_;
  static inline std::atomic<A*> instance_{nullptr};
};

int main() {
  std::array<const A*, 10> seen{};
  std::vector<th::Thread> ts;
  for (int i = 0; i < 10; ++i)
    ts.emplace_back([&seen, i] {
      seen[i] = A::instance();
      std::printf("<A object at %p>\n", static_cast<const void*>(seen[i]));
    });
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
  for (const A* a : seen) course::check(a == seen[0], "every thread got the same instance");
  course::check(A::created == 1, "A was constructed once");
  std::printf("all 10 threads got the same instance (constructed %d time)\n", A::created.load());
}

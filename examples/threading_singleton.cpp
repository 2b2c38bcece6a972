// Python: 001 "单例模式" - a thread-safe singleton: 10 threads call A(), __new__ checks and
// creates the one instance under a class-level Lock, so all threads get the same object.
#include <array>
#include <concur/threading.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

class A {
 public:
  static A& instance() {  // Python: A() with an overridden __new__
    std::lock_guard g(lock_);
    if (!instance_) {
      std::this_thread::sleep_for(std::chrono::microseconds(1));  // let the CPU switch threads
      instance_.reset(new A);
    }
    return *instance_;
  }

 private:
  A() = default;
  static inline th::Lock lock_;
  static inline std::unique_ptr<A> instance_;
};

int main() {
  std::array<const A*, 10> seen{};
  std::vector<th::Thread> ts;
  for (int i = 0; i < 10; ++i)
    ts.emplace_back([&seen, i] {
      seen[i] = &A::instance();
      std::printf("%p\n", static_cast<const void*>(seen[i]));
    });
  for (auto& t : ts) t.start();
  for (auto& t : ts) t.join();
  for (const A* a : seen) course::check(a == seen[0], "every thread got the same instance");
  std::printf("all 10 threads got the same instance\n");
}

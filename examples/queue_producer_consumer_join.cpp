// Python: 000 "joinablequeue" - consumers call task_done() after each item; the producer
// waits in q.join() until all it put was handled. Consumers are daemons: they just stop at exit.
#include <atomic>
#include <concur/queue.hpp>
#include <concur/threading.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;
using FoodQueue = concur::queue::Queue<std::string>;

std::atomic<int> eaten{0};

void producer(const std::shared_ptr<FoodQueue>& q, const std::string& name) {
  for (int i = 0; i < 10; ++i) {
    q->put("food" + std::to_string(i));
    std::printf("%s made food%d\n", name.c_str(), i);
  }
  q->join();  // blocks until every item put has been marked task_done()
  std::printf("%s: everything I made was eaten\n", name.c_str());
}

void consumer(const std::shared_ptr<FoodQueue>& q, const std::string& name) {
  for (;;) {
    std::string food = q->get();
    course::sleep(0.1);
    std::printf("%s ate %s\n", name.c_str(), food.c_str());
    eaten += 1;
    q->task_done();
  }
}

int main() {
  // Shared ownership: the daemon consumers are still blocked in get() when main returns,
  // so they keep the queue alive (Python's reference counting does the same).
  auto q = std::make_shared<FoodQueue>();
  for (int i = 0; i < 3; ++i) {
    th::Thread c(consumer, q, "echo" + std::to_string(i + 1));
    c.set_daemon(true);
    c.start();
  }
  th::Thread p1(producer, q, "henry");
  th::Thread p2(producer, q, "alex");
  p1.start();
  p2.start();
  p1.join();
  p2.join();
  std::printf("producers done, eaten %d of 20\n", eaten.load());
  course::check(eaten == 20, "q.join() returned only after all 20 were eaten");
}

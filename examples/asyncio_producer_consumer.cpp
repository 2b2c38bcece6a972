// Course: producer/consumer over a queue (the threading and multiprocessing versions), as
// coroutines: two producers make dishes into an asyncio::Queue(3); two consumers eat them;
// q.join() waits until every dish is eaten (task_done), then the consumers are cancelled.
#include <concur/asyncio.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "course.hpp"

namespace asyncio = concur::asyncio;

asyncio::Task<void> producer(std::string name, std::string food, asyncio::Queue<std::string>& q) {
  for (int i = 0; i < 4; ++i) {
    co_await asyncio::sleep(course::kSecond / 5);
    std::string dish = food + std::to_string(i);
    std::printf("%s made %s\n", name.c_str(), dish.c_str());
    co_await q.put(dish);  // waits while the queue holds 3
  }
}

asyncio::Task<void> consumer(std::string name, asyncio::Queue<std::string>& q, int& eaten) {
  for (;;) {
    std::string dish = co_await q.get();
    std::printf("%s ate %s\n", name.c_str(), dish.c_str());
    co_await asyncio::sleep(course::kSecond / 4);
    ++eaten;
    q.task_done();
  }
}

asyncio::Task<void> main_task() {
  asyncio::Queue<std::string> q(3);
  int eaten = 0;
  auto c1 = asyncio::create_task(consumer("alex", q, eaten));
  auto c2 = asyncio::create_task(consumer("wusir", q, eaten));
  co_await asyncio::gather(producer("egon", "bun", q), producer("yuan", "noodle", q));
  co_await q.join();  // every dish eaten
  c1.cancel();
  c2.cancel();
  course::check(eaten == 8, "8 dishes made and eaten");
  std::printf("all %d dishes eaten; consumers cancelled\n", eaten);
}

int main() {
  asyncio::run(main_task());
}

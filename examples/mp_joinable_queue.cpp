// Python: 000 "joinablequeue" (and 002: "JoinableQueue ... q.join()
// 当计数器为0的时候才继续往下运行")
// - consumer processes call task_done() after each food; each producer process waits in
// q.join() until everything put was handled. The consumers are daemons: they loop forever and
// are terminated when the main program ends.
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "course.hpp"

namespace mp = concur::mp;

void producer(mp::JoinableQueue<std::string>& q, const std::string& name, const std::string& food) {
  for (int i = 0; i < 10; ++i) {
    q.put(food + std::to_string(i));  // the unfinished-task count goes up by one
    std::printf("%s made a %s%d\n", name.c_str(), food.c_str(), i);
  }
  q.join();  // blocks until every item put (by anyone) has been marked task_done()
  std::printf("%s: q.join() returned, everything was eaten\n", name.c_str());
}

void consumer(mp::JoinableQueue<std::string>& q, mp::Value<int>& eaten, const std::string& name) {
  for (;;) {
    const std::string food = q.get();
    course::sleep(0.1);
    std::printf("%s ate %s\n", name.c_str(), food.c_str());
    {
      std::lock_guard g(eaten.get_lock());
      eaten.set(eaten.get() + 1);
    }
    q.task_done();  // the count goes down by one
  }
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  mp::JoinableQueue<std::string> q;          // Python: jq = JoinableQueue()
  mp::Value<int> eaten(0);
  std::vector<mp::Process> consumers, producers;
  for (int i = 0; i < 3; ++i) {
    consumers.emplace_back(consumer, std::ref(q), std::ref(eaten), "echo" + std::to_string(i + 1));
    consumers.back().set_daemon(true);  // Python: c.daemon = True
  }
  producers.emplace_back(producer, std::ref(q), "henry", "bun");
  producers.emplace_back(producer, std::ref(q), "alex", "noodle");
  for (auto& c : consumers) c.start();
  for (auto& p : producers) p.start();
  for (auto& p : producers) p.join();
  for (auto& p : producers) course::check(p.exitcode() == 0, "every producer exited with 0");

  std::printf("producers done, eaten %d of 20\n", eaten.get());
  course::check(eaten.get() == 20, "q.join() returned only after all 20 were eaten");
  course::check(q.join(course::kSecond), "the parent's q.join() returns at once too");
  std::printf("all tasks are done: qsize %zu, empty %s\n", q.qsize(), q.empty() ? "True" : "False");
  for (auto& c : consumers) course::check(c.is_alive(), "the daemon consumers still wait in get()");
  // main ends: the daemon consumers, blocked in q.get(), are terminated (as in Python)
}

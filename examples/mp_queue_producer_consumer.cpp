// Python: 000 "生产者消费者模型示例" - producer processes put food on a multiprocessing
// Queue(10) (a full queue makes them wait), consumer processes eat until they get None.
// Here each consumer gets its own None, and reports what it ate on a second Queue, so the
// parent can check that every food was eaten exactly once.
#include <algorithm>
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "course.hpp"

namespace mp = concur::mp;
using Food = std::optional<std::string>;  // std::nullopt plays Python's None
using Report = std::vector<std::string>;  // what one consumer ate

void producer(mp::Queue<Food>& q, const std::string& name, const std::string& food) {
  std::mt19937 gen{std::random_device{}()};
  for (int i = 0; i < 10; ++i) {
    course::sleep(std::uniform_real_distribution<double>(0, 0.1)(gen));  // time.sleep(random())
    q.put(food + std::to_string(i));
    std::printf("%s made a %s%d\n", name.c_str(), food.c_str(), i);
  }
}

void consumer(mp::Queue<Food>& q, mp::Queue<Report>& reports, const std::string& name) {
  std::mt19937 gen{std::random_device{}()};
  Report eaten;
  for (;;) {
    Food food = q.get();
    if (!food) break;  // Python: if not food: break
    course::sleep(std::uniform_real_distribution<double>(0, 0.2)(gen));  // randint(1, 3)
    std::printf("%s ate %s\n", name.c_str(), food->c_str());
    eaten.push_back(*food);
  }
  reports.put(eaten);
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  mp::Queue<Food> q(10);                     // created before the children start
  mp::Queue<Report> reports;
  std::vector<mp::Process> producers, consumers;
  producers.emplace_back(producer, std::ref(q), "henry", "bun");
  producers.emplace_back(producer, std::ref(q), "alex", "noodle");
  for (int i = 0; i < 4; ++i)
    consumers.emplace_back(consumer, std::ref(q), std::ref(reports),
                           "echo" + std::to_string(i + 1));
  for (auto& p : producers) p.start();
  for (auto& c : consumers) c.start();
  for (auto& p : producers) p.join();
  const Food none;                                                 // Python: None
  for (std::size_t i = 0; i < consumers.size(); ++i) q.put(none);  // one None per consumer

  std::vector<std::string> eaten;
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    const Report r = reports.get(10 * course::kSecond);  // queue.Empty if a consumer died
    eaten.insert(eaten.end(), r.begin(), r.end());
  }
  for (auto& c : consumers) c.join();
  for (auto& p : producers) course::check(p.exitcode() == 0, "every producer exited with 0");
  for (auto& c : consumers) course::check(c.exitcode() == 0, "every consumer exited with 0");

  std::vector<std::string> made;
  for (const char* food : {"bun", "noodle"})
    for (int i = 0; i < 10; ++i) made.push_back(food + std::to_string(i));
  std::sort(eaten.begin(), eaten.end());
  course::check(eaten == made, "every food was eaten exactly once");
  course::check(q.empty(), "the queue is empty at the end");
  std::printf("%zu producers made %zu, %zu consumers ate %zu, each exactly once\n",
              producers.size(), made.size(), consumers.size(), eaten.size());
}

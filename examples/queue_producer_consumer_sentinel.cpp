// Python: 000 "生产者消费者模型示例" - producers put food on a bounded Queue(10), consumers eat
// until they get None; each consumer puts the None back for the next one. (Threads here.)
#include <atomic>
#include <concur/queue.hpp>
#include <concur/threading.hpp>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;
using Food = std::optional<std::string>;  // std::nullopt plays Python's None

std::atomic<int> eaten{0};

double random_seconds(double max) {
  thread_local std::mt19937 gen{std::random_device{}()};
  return std::uniform_real_distribution<double>(0, max)(gen);
}

void producer(concur::queue::Queue<Food>& q, const std::string& name, const std::string& food) {
  for (int i = 0; i < 10; ++i) {
    course::sleep(random_seconds(0.1));  // the course sleeps random() s; scaled further here
    q.put(food + std::to_string(i));
    std::printf("%s made a %s%d\n", name.c_str(), food.c_str(), i);
  }
}

void consumer(concur::queue::Queue<Food>& q, const std::string& name) {
  for (;;) {
    Food food = q.get();
    if (!food) {
      q.put(std::nullopt);  // leave the None for the other consumers
      break;
    }
    course::sleep(random_seconds(0.2));  // the course sleeps 1-3 s
    std::printf("%s ate %s\n", name.c_str(), food->c_str());
    eaten += 1;
  }
}

int main() {
  concur::queue::Queue<Food> q(10);
  std::vector<th::Thread> producers, consumers;
  producers.emplace_back(producer, std::ref(q), "henry", "bun");
  producers.emplace_back(producer, std::ref(q), "alex", "noodle");
  for (int i = 0; i < 4; ++i)
    consumers.emplace_back(consumer, std::ref(q), "echo" + std::to_string(i + 1));
  for (auto& t : producers) t.start();
  for (auto& t : consumers) t.start();
  for (auto& t : producers) t.join();
  q.put(std::nullopt);  // every producer is done: one None stops all consumers
  for (auto& t : consumers) t.join();
  std::printf("produced 20, eaten %d\n", eaten.load());
  course::check(eaten == 20, "every food was eaten");
}

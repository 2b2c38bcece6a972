// Python: 001 "优先级队列" - (priority, value) tuples leave smallest priority first; 004
// "优先级队列" - equal priorities leave in the order they were put (FIFO).
#include <concur/queue.hpp>
#include <cstdio>
#include <string>
#include <utility>

using Item = std::pair<int, std::string>;

void print(const Item& item) {
  std::printf("(%d, '%s')\n", item.first, item.second.c_str());
}

// Compare priorities only. (Python compares whole tuples, so (1, 'drink') would come before
// (1, 'work'); the notes' point is that equal priorities are served first in, first out.)
struct ByPriority {
  bool operator()(const Item& a, const Item& b) const { return a.first < b.first; }
};

int main() {
  concur::queue::PriorityQueue<Item> priq;  // whole pairs compared, like Python's tuples
  priq.put({2, "alex"});
  priq.put({1, "wusir"});
  priq.put({3, "太白"});
  print(priq.get());
  print(priq.get());
  print(priq.get());

  concur::queue::PriorityQueue<Item, ByPriority> q;  // the smaller number, the higher priority
  q.put({1, "work"});
  q.put({-1, "life"});
  q.put({1, "drink"});
  q.put({-2, "sleep"});
  while (!q.empty()) print(q.get());
}

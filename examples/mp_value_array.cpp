// Python: 003 "3.2 进程间通信" names IPC through files and sockets (Queue, Pipe); the notes have
// no program for shared memory, so this is the usual one: multiprocessing.Value('i', 0)
// incremented by 4 processes x 10000 under `with v.get_lock():` gives exactly 40000, and an
// Array('d', ...) is filled in by the children (each squares its own element).
#include <concur/multiprocessing.hpp>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <mutex>
#include <vector>

#include "course.hpp"

namespace mp = concur::mp;

void add(mp::Value<int>& v) {
  for (int i = 0; i < 10000; ++i) {
    std::lock_guard g(v.get_lock());  // Python: with v.get_lock(): v.value += 1
    v.set(v.get() + 1);
  }
}

void square(mp::Array<double>& a, std::size_t i) {
  a.set(i, a.get(i) * a.get(i));  // only this child writes element i
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix

  mp::Value<int> counter(0);
  std::vector<mp::Process> adders;
  for (int i = 0; i < 4; ++i) adders.emplace_back(add, std::ref(counter));
  for (auto& p : adders) p.start();
  for (auto& p : adders) p.join();
  std::printf("Value after 4 processes x 10000 increments: %d\n", counter.get());
  course::check(counter.get() == 40000, "no increment was lost");

  mp::Array<double> a{0.5, 1.5, 2, 3, 4};
  std::vector<mp::Process> squarers;
  for (std::size_t i = 0; i < a.size(); ++i) squarers.emplace_back(square, std::ref(a), i);
  for (auto& p : squarers) p.start();
  for (auto& p : squarers) p.join();
  std::printf("Array squared by %zu children: [", a.size());
  for (std::size_t i = 0; i < a.size(); ++i) std::printf(i ? ", %g" : "%g", a.get(i));
  std::printf("]\n");
  course::check(a.to_vector() == std::vector<double>{0.25, 2.25, 4, 9, 16}, "every slot squared");
}

// Python: 003 "3.1 进程间数据隔离" - 10 children each run `global n; n -= 1` on n = 100. Each
// child changes its own copy of the parent's memory, so the parent still prints 100.
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <vector>

#include "course.hpp"

namespace mp = concur::mp;

int n = 100;

void func() {
  n -= 1;
  std::printf("%s: n = %d\n", mp::current_process().name.c_str(), n);
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  std::vector<mp::Process> li;
  for (int i = 0; i < 10; ++i) li.emplace_back(func);
  for (auto& p : li) p.start();
  for (auto& p : li) p.join();
  for (auto& p : li) course::check(p.exitcode() == 0, "every child exited with 0");
  std::printf("main after 10 children: n = %d\n", n);
  course::check(n == 100, "the parent's n is unchanged");
}

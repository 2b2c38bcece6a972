// Course: the process pool — 4 worker processes run 10 submitted calls (each prints its pid at
// start and end), results are read in key order, then map() over range(20). The function runs
// in another process, so it is registered with CONCUR_TASK (Python pickles it by name).
#include <unistd.h>

#include <concur/futures.hpp>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "course.hpp"

int func(int a, int b) {
  std::printf("%d start %d %d\n", static_cast<int>(::getpid()), a, b);
  std::fflush(stdout);
  course::sleep(1 + (a * 7) % 4);  // the course's random.randint(1, 4), made repeatable
  std::printf("%d end\n", static_cast<int>(::getpid()));
  std::fflush(stdout);
  return a * b;
}
CONCUR_TASK(func);

int plus_one_times(int a) {
  return a * (a + 1);
}
CONCUR_TASK(plus_one_times);

int worker_pid() {
  return static_cast<int>(::getpid());
}
CONCUR_TASK(worker_pid);

int main() {
  concur::futures::ProcessPoolExecutor tp(4);
  std::map<int, concur::futures::Future<int>> future_l;
  for (int i = 0; i < 10; ++i) future_l.emplace(i, tp.submit(func, i, i + 1));
  for (auto& [key, fut] : future_l) std::printf("result %d %d\n", key, fut.result());

  std::vector<int> xs;
  for (int i = 0; i < 20; ++i) xs.push_back(i);
  int sum = 0;
  for (int r : tp.map(plus_one_times, xs)) sum += r;
  std::printf("map sum %d\n", sum);

  std::set<int> pids;
  for (int i = 0; i < 8; ++i) pids.insert(tp.submit(worker_pid).result());
  course::check(!pids.contains(static_cast<int>(::getpid())), "a call ran in the main process");
  std::printf("calls ran in %zu worker processes\n", tp.worker_pids().size());
}

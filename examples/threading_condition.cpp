// Python: 004 "条件锁" - threads wait on a Condition and are released n at a time by
// notify(n) (the classic `con.notify(int(inp))` demo, with fixed numbers instead of input()).
#include <concur/threading.hpp>
#include <cstdio>
#include <mutex>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

th::Lock lock;
th::Condition go(lock);    // workers wait here
th::Condition done(lock);  // main waits here; both share one lock, as Condition(lock) allows
int waiting = 0, tickets = 0, woke = 0;

void worker(int i) {
  std::lock_guard g(go);
  ++waiting;
  done.notify();
  go.wait_for([] { return tickets > 0; });  // a predicate guards against spurious wake-ups
  --tickets;
  ++woke;
  std::printf("worker %d runs\n", i);
  done.notify();
}

void release(int n) {
  std::lock_guard g(go);
  std::printf("main: notify(%d)\n", n);
  tickets += n;
  go.notify(n);
  const int target = woke + n;
  done.wait_for([target] { return woke == target; });
  std::printf("%d workers have run\n", woke);
}

int main() {
  std::vector<th::Thread> ts;
  for (int i = 0; i < 5; ++i) ts.emplace_back(worker, i);
  for (auto& t : ts) t.start();
  {
    std::lock_guard g(done);
    done.wait_for([] { return waiting == 5; });
    std::printf("5 workers are waiting\n");
  }
  release(2);
  release(3);
  for (auto& t : ts) t.join();
  course::check(woke == 5 && tickets == 0, "all 5 workers ran, two then three");
}

// Course: gevent — spawn three functions with IO (sleeps) and joinall them; they overlap,
// so the run takes one sleep, not three. Twin: create_task (spawn) + gather (joinall).
#include <chrono>
#include <concur/asyncio.hpp>
#include <cstdio>
#include <vector>

#include "course.hpp"

namespace asyncio = concur::asyncio;

asyncio::Task<void> func() {  // the function with IO in it
  std::printf("start func\n");
  co_await asyncio::sleep(course::kSecond);  // time.sleep(1) under monkey.patch_all()
  std::printf("end func\n");
}

asyncio::Task<void> main_task() {
  auto g1 = asyncio::create_task(func());  // g1 = gevent.spawn(func)
  auto g2 = asyncio::create_task(func());
  auto g3 = asyncio::create_task(func());
  co_await asyncio::gather(g1, g2, g3);  // gevent.joinall([g1, g2, g3])
}

int main() {
  const auto t0 = std::chrono::steady_clock::now();
  asyncio::run(main_task());
  const auto took = std::chrono::steady_clock::now() - t0;
  course::check(took < 2 * course::kSecond, "the three sleeps overlapped");
  std::printf("3 spawned tasks joined after about one course second\n");
}

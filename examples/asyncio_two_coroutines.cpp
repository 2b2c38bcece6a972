// Course: the asyncio module — two coroutines print start, sleep 1 s "together", print end;
// the whole run takes ~1 s, not 2 (loop.run_until_complete(asyncio.wait([func('alex'),
// func('taibai')]))). A real second here, as in the course.
#include <chrono>
#include <concur/asyncio.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "course.hpp"

namespace asyncio = concur::asyncio;
using namespace std::chrono_literals;

asyncio::Task<void> func(std::string name) {  // async def func(name):
  std::printf("start %s\n", name.c_str());
  co_await asyncio::sleep(1s);  // await asyncio.sleep(1): the other coroutine runs meanwhile
  std::printf("end\n");
}

int main() {
  const auto t0 = std::chrono::steady_clock::now();
  asyncio::EventLoop loop;  // loop = asyncio.get_event_loop()
  std::vector<asyncio::Task<void>> both;
  both.push_back(func("alex"));
  both.push_back(func("taibai"));
  loop.run_until_complete(asyncio::wait(std::move(both)));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  course::check(secs < 1.5, "both coroutines slept at the same time");
  std::printf("two 1 s sleeps took %.1f s together\n", secs);
}

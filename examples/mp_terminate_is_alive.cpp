// Python: 003 "1.2 Process的对象的方法" - terminate() is asynchronous and non-blocking (异步非
// 阻塞): it asks the OS to end the child and returns, so is_alive() right after it may still
// be True; once the child is joined it is False, and exitcode is -15 (SIGTERM).
#include <concur/multiprocessing.hpp>
#include <cstdio>

#include "course.hpp"

namespace mp = concur::mp;

void son1() {
  for (;;) {
    std::printf("is alive\n");
    course::sleep(0.5);
  }
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  mp::Process p(son1);
  p.start();
  std::printf("is_alive after start(): %s\n", p.is_alive() ? "True" : "False");
  course::sleep(1);
  p.terminate();  // sends SIGTERM and returns at once
  const bool right_after = p.is_alive();
  std::printf("is_alive right after terminate(): %s (%s)\n", right_after ? "True" : "False",
              right_after ? "the OS has not ended the child yet" : "the OS was quick this time");
  p.join();
  std::printf("is_alive after join(): %s, exitcode %d\n", p.is_alive() ? "True" : "False",
              *p.exitcode());
  course::check(p.exitcode() == -15, "terminate() ends the child with SIGTERM");
}

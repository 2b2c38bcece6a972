// Python: 003 "如何确认一个主进程执行完毕" (join: the parent blocks until the child ends; the
// notes have no program for it) - with a timeout join() returns while the child still runs;
// exitcode is None while it runs, 0 after a normal end, 1 when the target raised, n after
// sys.exit(n), and -9 when SIGKILL ended it.
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "course.hpp"

namespace mp = concur::mp;

const char* py(bool b) {
  return b ? "True" : "False";
}

std::string code(std::optional<int> c) {
  return c ? std::to_string(*c) : "None";
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix

  // The course would sleep in the child; here it waits for an Event the parent sets after
  // the timed join, so the child is certainly still running during it.
  mp::Event finish;
  mp::Process slow([&finish] {
    finish.wait();
    std::printf("slow child: done\n");
  });
  slow.start();
  const bool ended = slow.join(course::kSecond);  // join(timeout=1)
  std::printf("join(1 course second) returned %s, is_alive: %s, exitcode: %s\n", py(ended),
              py(slow.is_alive()), code(slow.exitcode()).c_str());
  course::check(!ended && slow.is_alive(), "the slow child still runs after join(timeout)");
  finish.set();
  slow.join();
  std::printf("join() returned, is_alive: %s, exitcode: %s\n", py(slow.is_alive()),
              code(slow.exitcode()).c_str());
  course::check(slow.exitcode() == 0, "a normal end gives exitcode 0");

  // An exception escaping the target: "Process Process-2:" and the error on stderr, exitcode 1.
  mp::Process failing([] { throw std::runtime_error("something went wrong in the child"); });
  failing.start();
  failing.join();
  std::printf("the child threw: exitcode %s\n", code(failing.exitcode()).c_str());
  course::check(failing.exitcode() == 1, "an exception gives exitcode 1");

  mp::Process exiting([] { mp::exit(3); });  // Python: sys.exit(3)
  exiting.start();
  exiting.join();
  std::printf("the child called mp::exit(3): exitcode %s\n", code(exiting.exitcode()).c_str());
  course::check(exiting.exitcode() == 3, "mp::exit(3) gives exitcode 3");

  mp::Process forever([] {
    for (;;) course::sleep(1);
  });
  forever.start();
  forever.kill();  // SIGKILL
  forever.join();
  std::printf("the child was killed: exitcode %s\n", code(forever.exitcode()).c_str());
  course::check(forever.exitcode() == -9, "SIGKILL gives exitcode -9");
}

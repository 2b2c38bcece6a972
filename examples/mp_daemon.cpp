// Python: 003 "1.1 守护进程" - a daemon child (son1: "is alive" every 0.5 s) and a normal one
// (son2: 5 prints, 1 s apart); main sleeps 2 s. The daemon ends with the main program's code;
// the program still waits for son2. A daemonic process may not start children
// (Python: AssertionError: daemonic processes are not allowed to have children).
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "course.hpp"

namespace mp = concur::mp;

// Globals, so the exit handler can still ask them after main's locals are gone.
std::optional<mp::Process> son1_process, son2_process;
mp::Value<int> son2_prints(0);

void son1() {
  for (int i = 0; i < 60; ++i) {  // 30 course seconds: far longer than main runs
    std::printf("is alive\n");
    course::sleep(0.5);
  }
  std::printf("son1 finished\n");  // never printed: terminated with the main program
}

void son2() {
  for (int i = 0; i < 5; ++i) {
    std::printf("in son2\n");
    son2_prints.set(son2_prints.get() + 1);
    course::sleep(1);
  }
}

void grandfather() {
  try {
    mp::Process([] { std::printf("a grandchild\n"); }).start();
  } catch (const mp::ProcessError& e) {
    std::printf("daemon child: ProcessError: %s\n", e.what());
  }
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix

  // Registered before the first start(), so it runs after concur's exit handler has
  // terminated the daemon and joined son2 (atexit handlers run in reverse order).
  std::atexit([] {
    std::printf("process exits: son2 printed %d times, daemon son1 exitcode %d\n",
                son2_prints.get(), son1_process->exitcode().value_or(0));
    course::check(son2_prints.get() == 5, "son2 finished before the program exited");
    course::check(son1_process->exitcode() == -15, "son1 was terminated (SIGTERM)");
  });

  mp::Process daemonic(grandfather);
  daemonic.set_daemon(true);
  daemonic.start();
  daemonic.join();

  son1_process.emplace(son1);
  son1_process->set_daemon(true);  // Python: p.daemon = True
  son1_process->start();
  son2_process.emplace(son2);
  son2_process->start();
  course::sleep(2);
  std::printf("main code ends, son1 alive: %s\n", son1_process->is_alive() ? "True" : "False");
}

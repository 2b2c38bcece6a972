// Python: 003 "1.3 面向对象的方式开启进程" and "Process类" - start a process from a function with
// arguments (Process(target=func, args=('egon',))) or from a subclass that overrides run()
// (class MyProcess(Process) keeping x and y, printing os.getpid()). start() only asks the OS
// for a child and returns at once (异步非阻塞); join() waits for it (同步阻塞).
#include <sys/types.h>
#include <unistd.h>

#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <string>

#include "course.hpp"

namespace mp = concur::mp;

void task(const std::string& name) {
  std::printf("%s is running in %s, pid %d\n", name.c_str(), mp::current_process().name.c_str(),
              static_cast<int>(getpid()));
  course::sleep(1);
  std::printf("%s is over\n", name.c_str());
}

class MyProcess : public mp::Process {
 public:
  MyProcess(int x, int y) : x_(x), y_(y) {}  // Python: self.x = x ...; super().__init__()
  mp::Value<pid_t> pid_in_run{0};            // shared memory: written by the child

  void run() override {
    pid_in_run.set(getpid());
    std::printf("%d %d %d\n", x_, y_, static_cast<int>(getpid()));
    std::printf("in myprocess\n");
  }

 private:
  int x_, y_;
};

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix

  // Way 1: a callable and its arguments.
  mp::Process p(task, std::string("egon"));
  p.start();
  std::printf("main: start() returned at once\n");
  p.join();
  std::printf("main: egon joined, exitcode %d\n", *p.exitcode());

  // Way 2: a subclass; start() runs run() in the child process.
  MyProcess mine(1, 2);
  mine.start();
  mine.join();
  std::printf("main %d sees child pid %d, run() saw pid %d\n", static_cast<int>(getpid()),
              static_cast<int>(*mine.pid()), static_cast<int>(mine.pid_in_run.get()));
  course::check(mine.pid_in_run.get() == *mine.pid() && *mine.pid() != getpid(),
                "run() ran in the child");
  std::printf("run() ran in a child process: yes\n");
}

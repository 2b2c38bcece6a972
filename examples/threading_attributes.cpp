// Python: 001 "方式1" (10 threads; ident, pid, enumerate(), active_count()), 002 "线程对象的
// join方法" and "线程对象属性及其他方法" (current_thread().name, active_count after a join).
#include <unistd.h>

#include <concur/threading.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;

// The course makes threads sleep so that they are still alive when main counts them. Here
// they wait for an Event main sets after counting, so the counts printed are always the same.
th::Event counted;

void task(int n) {
  std::printf("hello world %s\n", th::current_thread().name().c_str());
  if (n == 1)
    course::sleep(1);  // time.sleep(1)
  else
    counted.wait();  // time.sleep(2): still running when main counts
}

void func(int i) {
  std::printf("start%d %llu\n", i, static_cast<unsigned long long>(th::get_ident()));
  counted.wait();  // time.sleep(1)
  std::printf("end%d\n", i);
}

int main() {
  {  // join: main waits for the thread
    th::Thread t(
        [](const std::string& name) {
          std::printf("%s is running\n", name.c_str());
          course::sleep(1);
          std::printf("%s is over\n", name.c_str());
        },
        std::string("egon"));
    t.start();
    t.join();
    std::printf("main after join\n");
  }
  {  // names and active_count
    th::Thread t(task, 1), t1(task, 2);
    t.start();
    t1.start();
    t.join();  // t is finished, t1 still runs
    std::printf("main %s, active_count %zu\n", th::current_thread().name().c_str(),
                th::active_count());
    course::check(th::active_count() == 2 && !t.is_alive() && t1.is_alive(), "main + t1 alive");
    counted.set();
    t1.join();
  }
  counted.clear();
  {  // ten threads: same process, different thread idents
    std::vector<th::Thread> ts;
    for (int i = 0; i < 10; ++i) ts.emplace_back(func, i);
    for (auto& t : ts) {
      t.start();
      std::printf("%llu %d\n", static_cast<unsigned long long>(*t.ident()), getpid());
    }
    std::string names;
    for (const th::ThreadRef& t : th::enumerate()) names.append(" ").append(t.name());
    std::printf("enumerate:%s\n", names.c_str());
    std::printf("active_count %zu\n", th::active_count());
    course::check(th::active_count() == 11, "main + 10 threads alive");
    counted.set();
    for (auto& t : ts) t.join();
    std::printf("all threads have finished, active_count %zu\n", th::active_count());
  }
}

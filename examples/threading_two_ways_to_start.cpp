// Python: 002 "开启线程的两种方式" and 001 "方式1/方式2" - start a thread from a function with
// arguments (Thread(target=task, args=('egon',))) or from a subclass that overrides run().
#include <concur/threading.hpp>
#include <cstdint>
#include <cstdio>
#include <string>

#include "course.hpp"

namespace th = concur::threading;

void task(const std::string& name) {
  std::printf("%s is running in %s\n", name.c_str(), th::current_thread().name().c_str());
  course::sleep(1);
  std::printf("%s is over\n", name.c_str());
}

class MyThread : public th::Thread {
 public:
  explicit MyThread(std::string name) { set_name(std::move(name)); }  // Python: self.name = name
  std::uint64_t ident_in_run = 0;

 protected:
  void run() override {
    ident_in_run = *th::current_thread().ident();
    std::printf("%s is running, ident %llu\n", name().c_str(),
                static_cast<unsigned long long>(ident_in_run));
    course::sleep(1);
    std::printf("egon DSB\n");
  }
};

int main() {
  // Way 1: a callable and its arguments.
  th::Thread t(task, std::string("egon"));
  t.start();
  std::printf("main\n");
  t.join();

  // Way 2: a subclass; start() runs run() in the new thread.
  MyThread mt("egon");
  mt.start();
  mt.join();  // a subclass thread must be joined before it is destroyed
  std::printf("main sees ident %llu\n", static_cast<unsigned long long>(*mt.ident()));
  course::check(*mt.ident() == mt.ident_in_run, "ident seen by main == ident in run()");
  std::printf("same ident inside and outside: yes\n");
}

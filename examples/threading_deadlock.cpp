// Python: 001 "死锁现象" - two locks taken in opposite orders by two threads (fork then noodle,
// noodle then fork) deadlock. Shown here with timed acquires, then fixed twice: one RLock
// for both (the course's quick fix) and a fixed lock order.
#include <atomic>
#include <chrono>
#include <concur/threading.hpp>
#include <cstdio>
#include <string>

#include "course.hpp"

namespace th = concur::threading;
using namespace std::chrono_literals;

std::atomic<int> detected{0};
std::atomic<int> meals{0};

// Takes `first`, then `second` (giving up after a while instead of hanging forever).
template <class L1, class L2>
void eat(const char* who, L1& first, const char* first_name, L2& second, const char* second_name,
         th::Barrier* both_hold_one = nullptr) {
  first.acquire();
  std::printf("%s got the %s\n", who, first_name);
  if (both_hold_one) both_hold_one->wait();  // make the bad interleaving certain
  if (second.acquire(true, 500ms)) {         // real time: long enough to be sure it is stuck
    std::printf("%s got the %s and eats\n", who, second_name);
    meals += 1;
    second.release();
  } else {
    std::printf("deadlock detected: %s holds the %s and waits for the %s\n", who, first_name,
                second_name);
    detected += 1;
  }
  first.release();
}

template <class F1, class F2>
void two_diners(F1 diner1, F2 diner2) {
  th::Thread a(diner1, "egon");
  th::Thread b(diner2, "alex");
  a.start();
  b.start();
  a.join();
  b.join();
}

int main() {
  {  // 1. the deadlock: opposite orders
    th::Lock fork_lock, noodle_lock;
    th::Barrier barrier(2);
    two_diners(
        [&](const char* who) { eat(who, fork_lock, "fork", noodle_lock, "noodle", &barrier); },
        [&](const char* who) { eat(who, noodle_lock, "noodle", fork_lock, "fork", &barrier); });
    course::check(detected >= 1, "the deadlock was detected");
    std::printf("opposite order: deadlock shown\n");
  }
  detected = 0;
  meals = 0;
  {  // 2. fix: make both locks one RLock (fork_lock = noodle_lock = RLock())
    th::RLock rlock;
    th::RLock& fork_lock = rlock;
    th::RLock& noodle_lock = rlock;
    two_diners([&](const char* who) { eat(who, fork_lock, "fork", noodle_lock, "noodle"); },
               [&](const char* who) { eat(who, noodle_lock, "noodle", fork_lock, "fork"); });
    course::check(detected == 0 && meals == 2, "one RLock: both ate");
    std::printf("one RLock: both ate, no deadlock\n");
  }
  {  // 3. fix: every thread takes the locks in the same order (fork before noodle)
    th::Lock fork_lock, noodle_lock;
    auto diner = [&](const char* who) { eat(who, fork_lock, "fork", noodle_lock, "noodle"); };
    two_diners(diner, diner);
    course::check(detected == 0 && meals == 4, "same lock order: both ate");
    std::printf("same lock order: both ate, no deadlock\n");
  }
}

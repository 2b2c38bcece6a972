// examples/course.hpp - the two helpers every course example shares.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace course {

// The course sleeps in seconds. Here one "course second" is 50 ms, so the whole examples
// suite runs in a few seconds; every sleep in the examples is written in course seconds.
inline constexpr std::chrono::milliseconds kSecond{50};

inline void sleep(double course_seconds) {
  std::this_thread::sleep_for(course_seconds * kSecond);
}

// Prints "CHECK FAILED: what" (ctest's FAIL_REGULAR_EXPRESSION looks for it) and ends the
// process at once, without waiting for other threads.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::printf("CHECK FAILED: %s\n", what);
  std::fflush(stdout);
  std::_Exit(1);
}

}  // namespace course

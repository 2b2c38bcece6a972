// Python: 003 "3.2 进程间通信" - Pipe(): two connected ends; send()/recv() carry whole values
// (Python pickles them). The parent sends a string and a list, the child answers each; then
// the parent closes its end and the child's recv() raises EOFError.
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

#include "course.hpp"

namespace mp = concur::mp;

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  mp::Connection parent_end, child_end;
  std::tie(parent_end, child_end) = mp::Pipe();  // Python: parent_end, child_end = Pipe()

  mp::Process child([&parent_end, &child_end] {
    parent_end.close();  // the child's copy of the parent's end: open, it would hide the EOF
    const auto text = child_end.recv<std::string>();
    std::printf("child got: %s\n", text.c_str());
    child_end.send_bytes("got " + std::to_string(text.size()) + " characters");
    const auto numbers = child_end.recv<std::vector<int>>();
    std::printf("child got %zu numbers\n", numbers.size());
    child_end.send(std::accumulate(numbers.begin(), numbers.end(), 0));
    try {
      (void)child_end.recv<std::string>();
    } catch (const mp::EOFError& e) {
      std::printf("child: EOFError: %s\n", e.what());
    }
  });
  child.start();
  child_end.close();  // the parent's copy of the child's end

  parent_end.send(std::string("hello from the parent"));
  std::printf("parent got: %s\n", parent_end.recv_bytes().c_str());
  parent_end.send(std::vector<int>{1, 2, 3, 4});
  const bool ready = parent_end.poll(10 * course::kSecond);  // wait up to 10 course seconds
  std::printf("poll: %s, sum from the child: %d\n", ready ? "True" : "False",
              parent_end.recv<int>());
  std::printf("parent closes its end\n");
  parent_end.close();
  child.join();
  std::printf("child exitcode %d\n", *child.exitcode());
  course::check(child.exitcode() == 0, "the child caught EOFError and ended normally");
}

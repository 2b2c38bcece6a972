// Python: 003 "2. 锁" - 10 users search tickets.json ({"count": 3}) and then buy a ticket;
// buying (read the file, decrement, write it back) runs under a multiprocessing Lock, so
// exactly 3 users get a ticket and the count never goes below 0 (never oversold).
#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "course.hpp"

namespace fs = std::filesystem;
namespace mp = concur::mp;

fs::path tickets;  // <temporary directory>/tickets.json

// The tiny JSON of the course by hand: {"count": N}.
int read_count() {
  std::ifstream f(tickets);
  std::stringstream text;
  text << f.rdbuf();
  const std::string s = text.str();
  const auto colon = s.find(':', s.find("\"count\""));
  course::check(colon != std::string::npos, "tickets.json holds {\"count\": N}");
  return std::stoi(s.substr(colon + 1));
}

// Writes a new file and renames it over the old one, so a search (which reads without the
// lock, as in the course) sees the old or the new file, never a half-written one.
void write_count(int count) {
  const fs::path tmp = tickets.string() + ".tmp";
  std::ofstream(tmp) << "{\"count\": " << count << "}";
  fs::rename(tmp, tickets);
}

void search_ticket(int user) {
  std::printf("user %d: search: %d tickets left\n", user, read_count());
}

void buy_ticket(int user, mp::Lock& lock, mp::Value<int>& bought) {
  search_ticket(user);
  std::lock_guard g(lock);  // Python: lock.acquire() ... lock.release() (or: with lock:)
  int count = read_count();
  std::this_thread::sleep_for(std::chrono::milliseconds(10));  // time.sleep(0.01)
  if (count > 0) {
    std::printf("user %d bought a ticket\n", user);
    count -= 1;
    bought.set(bought.get() + 1);
  } else {
    std::printf("user %d: no tickets left\n", user);
  }
  write_count(count);
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  std::string dir = (fs::temp_directory_path() / "concur-tickets-XXXXXX").string();
  course::check(mkdtemp(dir.data()) != nullptr, "mkdtemp created a temporary directory");
  tickets = fs::path(dir) / "tickets.json";
  write_count(3);

  mp::Lock lock;  // created in the parent, inherited by the children
  mp::Value<int> bought(0);
  std::vector<mp::Process> users;
  for (int i = 1; i <= 10; ++i) users.emplace_back(buy_ticket, i, std::ref(lock), std::ref(bought));
  for (auto& p : users) p.start();
  for (auto& p : users) p.join();
  for (auto& p : users) course::check(p.exitcode() == 0, "every user's process exited with 0");

  const int left = read_count();
  std::printf("%d users bought a ticket, %d got none\n", bought.get(), 10 - bought.get());
  std::printf("tickets.json at the end: {\"count\": %d}\n", left);
  course::check(bought.get() == 3 && left == 0, "exactly 3 tickets sold");
  std::printf("never oversold: OK\n");
  fs::remove_all(dir);
  course::check(!fs::exists(dir), "the temporary directory is gone");
  std::printf("temporary directory removed\n");
}

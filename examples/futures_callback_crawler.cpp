// Course: the crawler with a callback — each "download" is submitted to a pool and a
// done-callback appends "url: size" to a file as soon as that download finishes: whoever
// finishes first writes first. Downloads are simulated with sleeps (no network here); the
// order they finish in is shown, not checked (it is timing), but every page must be saved.
#include <algorithm>
#include <chrono>
#include <concur/futures.hpp>
#include <concur/threading.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "course.hpp"

struct Page {
  std::string url;
  std::string text;
};

Page get_page(const std::string& url, int delay_ms) {  // runs in a pool thread
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  return {url, std::string(static_cast<std::size_t>(1000 + url.size()), 'x')};
}

int main() {
  const std::string db = "crawler_db.txt";
  std::remove(db.c_str());
  const std::vector<std::pair<std::string, int>> urls = {{"https://www.baidu.com", 500},
                                                         {"https://www.python.org", 100},
                                                         {"https://www.openstack.org", 300},
                                                         {"https://help.github.com/", 200},
                                                         {"http://www.sina.com.cn/", 400}};
  concur::threading::Lock file_lock;
  {
    concur::futures::ThreadPoolExecutor tp(5);
    for (const auto& [url, delay] : urls) {
      tp.submit(get_page, url, delay).add_done_callback([&](concur::futures::Future<Page> f) {
        const Page& page = f.result();
        std::lock_guard g(file_lock);
        std::ofstream(db, std::ios::app) << page.url << ": " << page.text.size() << "\n";
      });
    }
  }
  std::ifstream in(db);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    std::cout << line << "\n";  // in the order the downloads finished (not checked: timing)
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  course::check(lines == std::vector<std::string>{"http://www.sina.com.cn/: 1023",
                                                  "https://help.github.com/: 1024",
                                                  "https://www.baidu.com: 1021",
                                                  "https://www.openstack.org: 1025",
                                                  "https://www.python.org: 1022"},
                "every page was saved once by its callback");
  std::cout << lines.size() << " pages saved by done-callbacks\n";
}

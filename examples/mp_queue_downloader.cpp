// Python: 001 "异步阻塞例子与生产者消费者模型" - one producer process per url "downloads" its
// page (requests.get) and puts (name, text) on a multiprocessing Queue; one consumer process
// writes each page to name.html until it gets None. Downloads are simulated (sleeps and
// generated HTML, so ctest runs offline) and the files go to a temporary directory.
#include <stdlib.h>  // mkdtemp

#include <concur/multiprocessing.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "course.hpp"

namespace fs = std::filesystem;
namespace mp = concur::mp;
using Page = std::optional<std::pair<std::string, std::string>>;  // (name, text) or None

const std::map<std::string, std::string> url_list = {
    {"zhipin", "https://www.zhipin.com/c101190400-p100101/"},
    {"cnblogs", "https://www.cnblogs.com/Eva-J/articles/8253549.html"},
    {"gitee", "https://gitee.com/zranguai/teaching_plan/"},
    {"baidu", "https://www.baidu.com/"},
};

// What requests.get(url).text would return: a page of a few to a few hundred KB.
std::string page_text(const std::string& name, const std::string& url) {
  std::string text = "<html><head><title>" + name + "</title></head><body>\n";
  for (std::size_t i = 0; i < 1000 * name.size(); ++i)
    text += "<p>line " + std::to_string(i) + " of " + url + "</p>\n";
  return text + "</body></html>\n";
}

void producer(const std::string& name, const std::string& url, mp::Queue<Page>& q) {
  std::mt19937 gen{std::random_device{}()};
  course::sleep(std::uniform_real_distribution<double>(0, 1)(gen));  // the download
  q.put(std::make_pair(name, page_text(name, url)));                 // q.put((name, ret.text))
}

void consumer(mp::Queue<Page>& q, const fs::path& dir) {
  for (;;) {
    const Page tup = q.get();
    if (!tup) break;  // Python: if tup is None: break
    std::ofstream(dir / (tup->first + ".html"), std::ios::binary) << tup->second;
    std::printf("saved %s.html\n", tup->first.c_str());
  }
}

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // one write per line: processes' lines never mix
  std::string dir = (fs::temp_directory_path() / "concur-downloads-XXXXXX").string();
  course::check(mkdtemp(dir.data()) != nullptr, "mkdtemp created a temporary directory");

  mp::Queue<Page> q;  // Python: q = Queue()
  std::vector<mp::Process> p1;
  for (const auto& entry : url_list) {
    p1.emplace_back(producer, entry.first, entry.second, std::ref(q));
    p1.back().start();
  }
  mp::Process saver(consumer, std::ref(q), fs::path(dir));
  saver.start();
  for (auto& p : p1) p.join();
  q.put(std::nullopt);
  saver.join();
  course::check(saver.exitcode() == 0, "the consumer exited with 0");

  std::map<std::string, std::uintmax_t> files;  // sorted by name
  for (const auto& f : fs::directory_iterator(dir)) files[f.path().filename()] = f.file_size();
  for (const auto& [file, size] : files) {
    const std::string name = fs::path(file).stem();
    std::ifstream in(fs::path(dir) / file, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    const bool ok = url_list.count(name) && text == page_text(name, url_list.at(name));
    std::printf("%s: %ju bytes, %s\n", file.c_str(), size, ok ? "complete" : "WRONG");
    course::check(ok, "each file holds its whole page");
  }
  course::check(files.size() == url_list.size(), "one file per url");
  std::printf("%zu pages downloaded by %zu processes, saved by 1\n", files.size(), p1.size());
  fs::remove_all(dir);
  course::check(!fs::exists(dir), "the temporary directory is gone");
  std::printf("temporary directory removed\n");
}

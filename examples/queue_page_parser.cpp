// Python: 000 "示例2" (and 004 "requests结合队列") - getPage threads download the douban top-250
// pages and put their HTML on a queue; parsePage takes pages until None and pulls each movie's
// id, title, rating and comment count out with a regex. No network here: pages are generated.
#include <algorithm>
#include <concur/queue.hpp>
#include <concur/threading.hpp>
#include <cstdio>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "course.hpp"

namespace th = concur::threading;
using Page = std::optional<std::string>;  // std::nullopt plays Python's None

struct Movie {
  int id;
  std::string title, rating_num, comment_num;
};

// What requests.get(url).text would return for https://movie.douban.com/top250?start=N.
std::string fake_page(int start) {
  std::string html = "<ol class=\"grid_view\">\n";
  for (int id = start + 1; id <= start + 25; ++id) {
    const std::string n = std::to_string(id);
    html += "<li><div class=\"item\">\n<div class=\"pic\">\n<em class=\"\">" + n +
            "</em>\n</div><div class=\"info\"><span class=\"title\">movie " + n +
            "</span>\n<span class=\"rating_num\" property=\"v:average\">" +
            std::to_string(9 - id % 3) + ".5</span>\n<span>" + std::to_string(1000 * id) +
            "人评价</span>\n</div></div></li>\n";
  }
  return html + "</ol>\n";
}

void get_page(concur::queue::Queue<Page>& q, int start) {
  course::sleep(0.1 * (start % 4));  // the network answers in any order
  q.put(fake_page(start));
}

void parse_pages(concur::queue::Queue<Page>& q, std::vector<Movie>& movies) {
  // Python's re.S lets . match newlines; ECMAScript regexes spell that [\s\S].
  static const std::regex com(
      R"(<div class="item">[\s\S]*?<div class="pic">[\s\S]*?<em .*?>(\d+)[\s\S]*?)"
      R"(<span class="title">(.*?)</span>[\s\S]*?<span class="rating_num" .*?>(.*?)</span>)"
      R"([\s\S]*?<span>(.*?)人评价</span>)");
  while (Page page = q.get()) {  // until None
    for (std::sregex_iterator it(page->begin(), page->end(), com), end; it != end; ++it) {
      const std::smatch& m = *it;
      movies.push_back({std::stoi(m[1]), m[2], m[3], m[4]});
    }
  }
}

int main() {
  concur::queue::Queue<Page> q;
  std::vector<Movie> movies;
  th::Thread parser(parse_pages, std::ref(q), std::ref(movies));
  parser.start();
  std::vector<th::Thread> getters;
  for (int start = 0; start < 250; start += 25) getters.emplace_back(get_page, std::ref(q), start);
  for (auto& t : getters) t.start();
  for (auto& t : getters) t.join();
  q.put(std::nullopt);  // every page is in: tell the parser to stop
  parser.join();

  std::sort(movies.begin(), movies.end(),
            [](const Movie& a, const Movie& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < 3; ++i) {
    const Movie& m = movies[i];
    std::printf("{'id': '%d', 'title': '%s', 'rating_num': '%s', 'comment_num': '%s'}\n", m.id,
                m.title.c_str(), m.rating_num.c_str(), m.comment_num.c_str());
  }
  course::check(movies.size() == 250 && movies.front().id == 1 && movies.back().id == 250,
                "all 250 movies parsed");
  std::printf("parsed %zu movies from 10 pages\n", movies.size());
}

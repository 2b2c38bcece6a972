// concur-bench reports: the console table, results.json, results.md and ratios.svg.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace concur_bench {
namespace {

using Row = std::vector<std::string>;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string fmt_rate(double r) {
  if (r >= 1e6) return fmt("%.2f M/s", r / 1e6);
  if (r >= 1e3) return fmt("%.1f k/s", r / 1e3);
  return fmt("%.0f /s", r);
}

std::string fmt_ratio(double r) {
  return r >= 10 ? fmt("%.1fx", r) : fmt("%.2fx", r);
}

// The summary cell of one implementation: its rate, or its wall time for timed workloads.
std::string value_cell(const WorkloadResult& w, const Impl& i) {
  return w.report_seconds ? fmt("%.3f s", i.seconds) : fmt_rate(i.rate);
}

const Impl* find_other(const WorkloadResult& w, const std::string& kind, bool best) {
  const Impl* found = nullptr;
  for (const Impl& o : w.others) {
    if (o.kind != kind || !o.available) continue;
    if (found == nullptr || (best && o.rate > found->rate)) found = &o;
  }
  return found;
}

const Ratio* find_ratio(const WorkloadResult& w, const Impl* o) {
  if (o == nullptr) return nullptr;
  for (const Ratio& r : w.ratios) {
    if (r.against == o->name) return &r;
  }
  return nullptr;
}

std::string ratio_cell(const Ratio* r) {
  if (r == nullptr) return "-";
  std::string s = fmt_ratio(r->value);
  if (r->target) s += r->met() ? " (met)" : " (MISSED)";
  return s;
}

std::string missing_note(const WorkloadResult& w, const std::string& kind) {
  for (const Impl& o : w.others) {
    if (o.kind == kind && !o.note.empty()) return o.note;
  }
  return "-";
}

Row summary_header() {
  return {"workload", "concur", "Python", "best peer", "concur/Python", "concur/best peer"};
}

std::vector<Row> summary_rows(const std::vector<WorkloadResult>& results) {
  std::vector<Row> rows;
  for (const WorkloadResult& w : results) {
    const Impl* py = find_other(w, "python", false);
    const Impl* peer = find_other(w, "peer", true);
    rows.push_back({w.name + (w.failed ? " (FAILED)" : ""),
                    w.concur.available ? value_cell(w, w.concur) : w.concur.note,
                    py ? value_cell(w, *py) : missing_note(w, "python"),
                    peer ? peer->name + " " + value_cell(w, *peer) : missing_note(w, "peer"),
                    ratio_cell(find_ratio(w, py)), ratio_cell(find_ratio(w, peer))});
  }
  return rows;
}

Row detail_header() {
  return {"workload",    "implementation", "items", "median s", "best s",
          "median rate", "best rate",      "ratio", "target",   "met"};
}

std::vector<Row> detail_rows(const std::vector<WorkloadResult>& results) {
  std::vector<Row> rows;
  for (const WorkloadResult& w : results) {
    auto add = [&](const Impl& i, bool is_concur) {
      if (!i.available) {
        rows.push_back({w.name, i.name, "-", "-", "-", "-", "-", "-", "-", i.note});
        return;
      }
      Row row{w.name,
              i.name,
              std::to_string(i.items),
              fmt("%.4f", i.seconds),
              fmt("%.4f", i.best_seconds),
              fmt_rate(i.rate),
              fmt_rate(i.best_rate)};
      const Ratio* r = is_concur ? nullptr : find_ratio(w, &i);
      row.push_back(is_concur ? "1.00x" : r ? fmt_ratio(r->value) : "-");
      row.push_back(r && r->target ? ">= " + fmt_ratio(*r->target) : "-");
      row.push_back(r && r->target ? (r->met() ? "yes" : "no") : "-");
      rows.push_back(row);
    };
    add(w.concur, true);
    for (const Impl& o : w.others) add(o, false);
    for (const Check& c : w.checks) {
      rows.push_back(
          {w.name, c.what, "-", c.measured, "-", "-", "-", "-", c.target, c.met ? "yes" : "no"});
    }
  }
  return rows;
}

std::string text_table(const Row& header, const std::vector<Row>& rows) {
  std::vector<std::size_t> width(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const Row& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::ostringstream out;
  auto line = [&](const Row& r) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      out << (c ? "  " : "") << r[c];
      if (c + 1 < r.size()) out << std::string(width[c] - r[c].size(), ' ');
    }
    out << '\n';
  };
  line(header);
  std::size_t total = 0;
  for (std::size_t w : width) total += w + 2;
  out << std::string(total - 2, '-') << '\n';
  for (const Row& r : rows) line(r);
  return out.str();
}

std::string md_table(const Row& header, const std::vector<Row>& rows) {
  std::ostringstream out;
  auto line = [&](const Row& r) {
    out << '|';
    for (const std::string& cell : r) out << ' ' << cell << " |";
    out << '\n';
  };
  line(header);
  out << '|';
  for (std::size_t c = 0; c < header.size(); ++c) out << "---|";
  out << '\n';
  for (const Row& r : rows) line(r);
  return out.str();
}

std::string escape(const std::string& s, bool xml) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '"':
        out += xml ? "&quot;" : "\\\"";
        break;
      case '\\':
        out += xml ? "\\" : "\\\\";
        break;
      case '\n':
        out += xml ? " " : "\\n";
        break;
      case '&':
        out += xml ? "&amp;" : "&";
        break;
      case '<':
        out += xml ? "&lt;" : "<";
        break;
      case '>':
        out += xml ? "&gt;" : ">";
        break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          out += xml ? " " : fmt("\\u%04x", static_cast<unsigned char>(ch));
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string jstr(const std::string& s) {
  std::string out(1, '"');
  out += escape(s, false);
  out += '"';
  return out;
}
std::string jnum(double v) {
  return std::isfinite(v) ? fmt("%.9g", v) : "null";
}

std::string mode_line(const Options& opt) {
  return std::string(opt.quick ? "--quick" : "full") + " run, median of " +
         std::to_string(opt.repeat) +
         " runs (io_sleep_threads: " + std::to_string(opt.quick ? 1 : opt.repeat) + "), " +
         std::to_string(std::thread::hardware_concurrency()) + " hardware threads, load average " +
         (opt.load_average.empty() ? std::string("unknown") : opt.load_average) + " at start";
}

}  // namespace

void print_tables(const std::vector<WorkloadResult>& results, const Options& opt) {
  std::printf(
      "\nconcur-bench: %s\nratio = concur rate / other rate, from the medians (higher is "
      "better for concur); rates are compared, not times, since sizes differ.\n\n",
      mode_line(opt).c_str());
  std::printf("%s\n", text_table(summary_header(), summary_rows(results)).c_str());
  std::printf("%s", text_table(detail_header(), detail_rows(results)).c_str());
  for (const WorkloadResult& w : results) {
    for (const std::string& n : w.notes) std::printf("note (%s): %s\n", w.name.c_str(), n.c_str());
    if (w.failed) std::printf("FAILURE (%s): %s\n", w.name.c_str(), w.error.c_str());
  }
}

std::string to_json(const std::vector<WorkloadResult>& results, const Options& opt) {
  std::ostringstream o;
  o << "{\n  \"tool\": \"concur-bench\",\n  \"quick\": " << (opt.quick ? "true" : "false")
    << ",\n  \"repeat\": " << opt.repeat
    << ",\n  \"hardware_threads\": " << std::thread::hardware_concurrency()
    << ",\n  \"load_average\": " << jstr(opt.load_average)
    << ",\n  \"ratio_definition\": \"concur rate / other rate\",\n  \"workloads\": [";
  for (std::size_t wi = 0; wi < results.size(); ++wi) {
    const WorkloadResult& w = results[wi];
    o << (wi ? "," : "") << "\n    {\"name\": " << jstr(w.name)
      << ", \"description\": " << jstr(w.description) << ", \"unit\": " << jstr(w.unit)
      << ", \"failed\": " << (w.failed ? "true" : "false") << ", \"error\": " << jstr(w.error)
      << ",\n     \"implementations\": [";
    std::vector<const Impl*> impls{&w.concur};
    for (const Impl& i : w.others) impls.push_back(&i);
    for (std::size_t k = 0; k < impls.size(); ++k) {
      const Impl& i = *impls[k];
      o << (k ? "," : "") << "\n       {\"name\": " << jstr(i.name)
        << ", \"kind\": " << jstr(i.kind) << ", \"available\": " << (i.available ? "true" : "false")
        << ", \"note\": " << jstr(i.note) << ", \"items\": " << i.items
        << ", \"seconds\": " << jnum(i.seconds) << ", \"rate\": " << jnum(i.rate)
        << ", \"best_seconds\": " << jnum(i.best_seconds)
        << ", \"best_rate\": " << jnum(i.best_rate) << ", \"runs\": [";
      for (std::size_t r = 0; r < i.runs.size(); ++r) o << (r ? ", " : "") << jnum(i.runs[r]);
      o << "]}";
    }
    o << "],\n     \"ratios\": [";
    for (std::size_t k = 0; k < w.ratios.size(); ++k) {
      const Ratio& r = w.ratios[k];
      o << (k ? ", " : "") << "{\"against\": " << jstr(r.against)
        << ", \"value\": " << jnum(r.value)
        << ", \"target\": " << (r.target ? jnum(*r.target) : "null")
        << ", \"met\": " << (r.target ? (r.met() ? "true" : "false") : "null") << "}";
    }
    o << "],\n     \"checks\": [";
    for (std::size_t k = 0; k < w.checks.size(); ++k) {
      const Check& c = w.checks[k];
      o << (k ? ", " : "") << "{\"what\": " << jstr(c.what) << ", \"target\": " << jstr(c.target)
        << ", \"measured\": " << jstr(c.measured) << ", \"met\": " << (c.met ? "true" : "false")
        << "}";
    }
    o << "],\n     \"notes\": [";
    for (std::size_t k = 0; k < w.notes.size(); ++k) o << (k ? ", " : "") << jstr(w.notes[k]);
    o << "]}";
  }
  o << "\n  ]\n}\n";
  return o.str();
}

std::string to_markdown(const std::vector<WorkloadResult>& results, const Options& opt) {
  std::ostringstream o;
  o << "# concur-bench results\n\n"
    << mode_line(opt) << ".\n\n"
    << "Ratio = concur rate / other rate, from the medians (higher is better for concur). "
       "Rates (items per second) are compared, not times, because Python may run fewer "
       "items. \"median\" columns are the median of the runs, \"best\" the fastest run.\n\n"
    << "## Summary\n\n"
    << md_table(summary_header(), summary_rows(results)) << "\n## Details\n\n"
    << md_table(detail_header(), detail_rows(results)) << "\n## Workloads\n\n";
  for (const WorkloadResult& w : results) {
    o << "- **" << w.name << "**: " << w.description << '\n';
    for (const std::string& n : w.notes) o << "  - " << n << '\n';
    if (w.failed) o << "  - **FAILED**: " << w.error << '\n';
  }
  o << "\n![ratios](ratios.svg)\n";
  return o.str();
}

std::string to_svg(const std::vector<WorkloadResult>& results, const Options& opt) {
  struct Bar {
    std::string label;
    Ratio ratio;
  };
  std::vector<Bar> bars;
  for (const WorkloadResult& w : results) {
    for (const Ratio& r : w.ratios) bars.push_back({w.name + ": concur vs " + r.against, r});
  }
  double lo = 0.5, hi = 2.0;
  for (const Bar& b : bars) {
    lo = std::min(lo, b.ratio.value);
    hi = std::max({hi, b.ratio.value, b.ratio.target.value_or(1.0)});
  }
  // Pad the axis so a value label beside the shortest or longest bar stays inside the plot.
  const double llo = std::floor(std::log10(std::max(lo, 1e-3)) - 0.3);
  const double lhi = std::ceil(std::log10(hi) + 0.15);
  std::size_t label_chars = 0;
  for (const Bar& b : bars) label_chars = std::max(label_chars, b.label.size());
  // About 6.7 px per character of a 12 px sans-serif font.
  const double left = 30 + 6.7 * static_cast<double>(label_chars);
  const double right = std::max(left + 600, 860.0), top = 90, row = 30, width = right + 40;
  const double height = top + row * static_cast<double>(bars.size()) + 60;
  auto x = [&](double v) {
    const double lv = std::log10(std::max(v, 1e-3));
    return left + (lv - llo) / (lhi - llo) * (right - left);
  };
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"20\" y=\"28\" font-size=\"16\" font-weight=\"bold\">concur-bench: concur rate"
       " / other rate (log scale)</text>\n"
    << "<text x=\"20\" y=\"48\" fill=\"#555\">" << escape(mode_line(opt), true)
    << "</text>\n<text x=\"20\" y=\"66\" fill=\"#555\">green: target met, red: target "
       "missed, blue: no target; black tick: the target ratio</text>\n";
  for (double d = llo; d <= lhi + 1e-9; d += 1) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = std::pow(10.0, d) * m;
      if (std::log10(v) > lhi + 1e-9) break;
      const double gx = x(v);
      o << "<line x1=\"" << gx << "\" y1=\"" << top - 8 << "\" x2=\"" << gx << "\" y2=\""
        << height - 40 << "\" stroke=\"" << (m == 1.0 ? "#bbb" : "#eee") << "\"/>\n";
      if (m == 1.0 || lhi - llo <= 2) {
        o << "<text x=\"" << gx << "\" y=\"" << height - 24 << "\" text-anchor=\"middle\" fill=\""
          << "#555\">" << escape(fmt_ratio(v), true) << "</text>\n";
      }
    }
  }
  const double x1 = x(1.0);
  o << "<line x1=\"" << x1 << "\" y1=\"" << top - 8 << "\" x2=\"" << x1 << "\" y2=\"" << height - 40
    << "\" stroke=\"#333\" stroke-width=\"1.5\"/>\n";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = top + row * static_cast<double>(i);
    const double xv = x(b.ratio.value);
    const char* color = !b.ratio.target ? "#4a7ab8" : b.ratio.met() ? "#2e8b57" : "#d9534f";
    o << "<text x=\"" << left - 8 << "\" y=\"" << y + 15 << "\" text-anchor=\"end\">"
      << escape(b.label, true) << "</text>\n"
      << "<rect x=\"" << std::min(x1, xv) << "\" y=\"" << y + 4 << "\" width=\""
      << std::max(std::abs(xv - x1), 1.0) << "\" height=\"" << row - 10 << "\" fill=\"" << color
      << "\"/>\n";
    const bool right_side = xv >= x1;
    o << "<text x=\"" << (right_side ? xv + 4 : xv - 4) << "\" y=\"" << y + 15
      << "\" text-anchor=\"" << (right_side ? "start" : "end") << "\">"
      << escape(fmt_ratio(b.ratio.value), true) << "</text>\n";
    if (b.ratio.target) {
      const double tx = x(*b.ratio.target);
      o << "<line x1=\"" << tx << "\" y1=\"" << y + 1 << "\" x2=\"" << tx << "\" y2=\""
        << y + row - 3 << "\" stroke=\"black\" stroke-width=\"2\"><title>target "
        << escape(fmt_ratio(*b.ratio.target), true) << "</title></line>\n";
    }
  }
  if (bars.empty()) {
    o << "<text x=\"" << left << "\" y=\"" << top + 15 << "\">no ratios measured</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

bool write_reports(const std::vector<WorkloadResult>& results, const Options& opt,
                   std::string& error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(opt.out_dir, ec);
  if (ec) {
    error = "cannot create " + opt.out_dir + ": " + ec.message();
    return false;
  }
  const std::pair<const char*, std::string> files[] = {{"results.json", to_json(results, opt)},
                                                       {"results.md", to_markdown(results, opt)},
                                                       {"ratios.svg", to_svg(results, opt)}};
  for (const auto& [name, text] : files) {
    const fs::path p = fs::path(opt.out_dir) / name;
    std::ofstream f(p);
    f << text;
    if (!f) {
      error = "cannot write " + p.string();
      return false;
    }
  }
  return true;
}

}  // namespace concur_bench

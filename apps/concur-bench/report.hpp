// concur-bench reports: the console table, results.json, results.md and ratios.svg.
#pragma once

#include <string>
#include <vector>

#include "bench.hpp"

namespace concur_bench {

/// Prints the summary and detail tables on stdout.
void print_tables(const std::vector<WorkloadResult>& results, const Options& opt);

std::string to_json(const std::vector<WorkloadResult>& results, const Options& opt);
std::string to_markdown(const std::vector<WorkloadResult>& results, const Options& opt);
/// A hand-written SVG bar chart of every ratio (log scale, centred on 1x).
std::string to_svg(const std::vector<WorkloadResult>& results, const Options& opt);

/// Writes results.json, results.md and ratios.svg into opt.out_dir (created if needed).
/// Returns false and sets `error` on failure.
bool write_reports(const std::vector<WorkloadResult>& results, const Options& opt,
                   std::string& error);

}  // namespace concur_bench

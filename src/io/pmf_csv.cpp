#include <infomorph/io/pmf_csv.hpp>

#include <infomorph/util/files.hpp>

#include <infomorph/pid/lattice.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <istream>
#include <limits>
#include <string_view>
#include <system_error>

namespace infomorph::io {
namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    while (true) {
        const auto comma = line.find(',', start);
        fields.push_back(trim(line.substr(start, comma - start)));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return fields;
}

// Shows a field in a message, shortened if long.
std::string quoted(std::string_view field) {
    constexpr std::size_t limit = 40;
    return fmt::format("'{}{}'", field.substr(0, limit), field.size() > limit ? "..." : "");
}

}  // namespace

pmf_csv_error::pmf_csv_error(const std::string& file, std::size_t line, const std::string& problem)
    : std::runtime_error(line > 0 ? fmt::format("{}:{}: {}", file, line, problem)
                                  : fmt::format("{}: {}", file, problem)),
      file_(file),
      line_(line),
      problem_(problem) {}

pmf_table read_pmf_csv(const std::string& path) {
    const std::string reason = unreadable_file_reason(path);
    if (!reason.empty()) throw pmf_csv_error(path, 0, reason);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw pmf_csv_error(path, 0, "cannot open the file");
    return parse_pmf_csv(in, path);
}

pmf_table parse_pmf_csv(std::istream& in, const std::string& name) {
    std::string line;
    std::size_t line_number = 0;
    auto fail = [&](const std::string& problem) -> pmf_csv_error {
        return pmf_csv_error(name, line_number, problem);
    };
    auto skip = [](std::string_view text) {
        const auto content = trim(text);
        return content.empty() || content.front() == '#';
    };

    // Header: s1,...,sn,t,p.
    bool have_header = false;
    while (std::getline(in, line)) {
        ++line_number;
        if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // BOM
        if (skip(line)) continue;
        have_header = true;
        break;
    }
    if (!have_header) throw fail("empty file: expected a header s1,...,sn,t,p");
    const auto header = split(line);
    const std::size_t n_columns = header.size();
    if (n_columns < 3)
        throw fail(fmt::format("expected a header s1,...,sn,t,p with at least one source "
                               "column, got {} column{}",
                               n_columns, n_columns == 1 ? "" : "s"));
    const std::size_t n_sources = n_columns - 2;
    // The last two columns first, so that a missing t or p is named as such.
    for (std::size_t k = 0; k < n_columns; ++k) {
        const std::size_t i = k < 2 ? n_columns - 1 - k : k - 2;  // p, t, then s1, s2, ...
        const std::string expected = i < n_sources    ? fmt::format("s{}", i + 1)
                                     : i == n_sources ? std::string("t")
                                                      : std::string("p");
        if (header[i] != expected)
            throw fail(fmt::format("column {} of the header must be '{}', got {} (expected "
                                   "s1,...,sn,t,p)",
                                   i + 1, expected, quoted(header[i])));
    }
    if (n_sources > static_cast<std::size_t>(pid::max_sources))
        throw fail(fmt::format("at most {} sources are supported, got {}", pid::max_sources,
                               n_sources));

    using row = pmf_outcome;
    std::vector<row> rows;
    while (std::getline(in, line)) {
        ++line_number;
        if (skip(line)) continue;
        const auto fields = split(line);
        if (fields.size() != n_columns)
            throw fail(fmt::format("expected {} fields as in the header, got {}", n_columns,
                                   fields.size()));
        row r;
        r.line = line_number;
        r.sources.resize(n_sources);
        for (std::size_t i = 0; i <= n_sources; ++i) {
            const std::string_view field = fields[i];
            const std::string column = i < n_sources ? fmt::format("s{}", i + 1) : "t";
            std::uint32_t value = 0;
            const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
            if (field.empty() || error != std::errc() || end != field.data() + field.size())
                throw fail(fmt::format(
                    "column {}: expected a non-negative integer{}, got {}", column,
                    error == std::errc::result_out_of_range ? " up to 4294967295" : "",
                    quoted(field)));
            if (i < n_sources)
                r.sources[i] = value;
            else
                r.target = value;
        }
        const std::string_view field = fields[n_columns - 1];
        double p = 0;
        const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), p);
        if (field.empty() || error != std::errc() || end != field.data() + field.size())
            throw fail(fmt::format("column p: expected a number, got {}", quoted(field)));
        if (!std::isfinite(p))
            throw fail(fmt::format("column p: must be finite, got {}", quoted(field)));
        if (p < 0) throw fail(fmt::format("column p: must not be negative, got {}", quoted(field)));
        r.p = p;
        rows.push_back(std::move(r));
    }
    if (in.bad()) throw pmf_csv_error(name, 0, "read error");
    if (rows.empty()) throw pmf_csv_error(name, 0, "no data rows after the header");
    return make_pmf_table(static_cast<int>(n_sources), rows, name);
}

pmf_table make_pmf_table(int n_sources, std::span<const pmf_outcome> rows, const std::string& name) {
    if (n_sources < 1 || n_sources > pid::max_sources)
        throw pmf_csv_error(name, 0, fmt::format("1 to {} sources are supported, got {}",
                                                 pid::max_sources, n_sources));
    double total = 0;
    for (const pmf_outcome& r : rows) {
        if (r.sources.size() != static_cast<std::size_t>(n_sources))
            throw pmf_csv_error(name, r.line, fmt::format("expected {} source values, got {}",
                                                          n_sources, r.sources.size()));
        if (!std::isfinite(r.p))
            throw pmf_csv_error(name, r.line, fmt::format("p must be finite, got {}", r.p));
        if (r.p < 0)
            throw pmf_csv_error(name, r.line, fmt::format("p must not be negative, got {}", r.p));
        total += r.p;
    }
    if (!(total > 0))
        throw pmf_csv_error(name, 0,
                            fmt::format("all probabilities are zero ({} rows)", rows.size()));
    if (!std::isfinite(total))
        throw pmf_csv_error(name, 0, "the probabilities add up to more than the largest double");

    pmf_table table;
    table.n_sources = n_sources;
    table.n_rows = rows.size();
    for (const pmf_outcome& r : rows) table.target_values.push_back(r.target);
    std::sort(table.target_values.begin(), table.target_values.end());
    table.target_values.erase(std::unique(table.target_values.begin(), table.target_values.end()),
                              table.target_values.end());
    table.joint = pid::joint_distribution(table.n_sources,
                                          static_cast<int>(table.target_values.size()));
    for (const pmf_outcome& r : rows) {
        const auto t = std::lower_bound(table.target_values.begin(), table.target_values.end(),
                                        r.target) -
                       table.target_values.begin();
        try {
            table.joint.add(r.sources, static_cast<int>(t), r.p / total);
        } catch (const std::invalid_argument& e) {  // e.g. too many distinct values of a source
            std::string problem = e.what();
            if (problem.starts_with("joint distribution: ")) problem.erase(0, 20);
            throw pmf_csv_error(name, r.line, problem);
        }
    }
    return table;
}

}  // namespace infomorph::io

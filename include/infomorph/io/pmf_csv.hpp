#pragma once
// Joint probability mass functions p(s1..sn, t) from CSV files, for `infomorph pid`.
//
// Format: a header `s1,s2,...,sn,t,p` (1 <= n <= 4 sources, columns in that order), then one row
// per outcome: the source values and the target value as non-negative integers (up to
// 4294967295), and p as a probability or a count (any finite non-negative number; the masses are
// normalised to sum to one). Rows with the same values add up. Blank lines and lines starting
// with '#' are skipped; spaces around fields and Windows line ends are accepted.

#include <infomorph/pid/joint_distribution.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <stdexcept>
#include <span>
#include <string>
#include <vector>

namespace infomorph::io {

// A malformed or unreadable file. what() is one line: "FILE:LINE: problem", or "FILE: problem"
// where no single line is at fault (line() == 0).
class pmf_csv_error : public std::runtime_error {
public:
    pmf_csv_error(const std::string& file, std::size_t line, const std::string& problem);
    const std::string& file() const { return file_; }
    std::size_t line() const { return line_; }
    const std::string& problem() const { return problem_; }

private:
    std::string file_;
    std::size_t line_;
    std::string problem_;
};

struct pmf_table {
    int n_sources = 0;
    std::size_t n_rows = 0;                    // data rows read
    std::vector<std::uint32_t> target_values;  // distinct target values, ascending; the joint
                                               // distribution's target index t stands for
                                               // target_values[t]
    pid::joint_distribution joint{1, 1};       // normalised
};

// One outcome of a joint distribution: source values, target value, probability (or count).
struct pmf_outcome {
    std::vector<std::uint32_t> sources;
    std::uint32_t target = 0;
    double p = 0;
    std::size_t line = 0;  // where it came from, for messages (0: no line)
};

// The checks every joint distribution gets, from a file or another program (the Python module):
// 1 to pid::max_sources sources, p finite and non-negative, not all zero, a total that fits a
// double, at most 65536 distinct values per source; then normalised. Throws pmf_csv_error
// naming `name` (and the outcome's line).
pmf_table make_pmf_table(int n_sources, std::span<const pmf_outcome> outcomes,
                         const std::string& name);

// Reads and validates a file; throws pmf_csv_error.
pmf_table read_pmf_csv(const std::string& path);

// The same from a stream; `name` is used in error messages.
pmf_table parse_pmf_csv(std::istream& in, const std::string& name);

}  // namespace infomorph::io

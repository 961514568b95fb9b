// libFuzzer target: the joint-distribution CSV reader of `infomorph pid`, and the PID of what it
// reads. Allowed outcome for bad input: io::pmf_csv_error. Checked on success: 1 to 4 sources,
// ascending distinct target values, masses that sum to one, and finite atoms.

#include <infomorph/io/pmf_csv.hpp>
#include <infomorph/pid/shared_exclusion.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

namespace {
void check(bool condition) {
    if (!condition) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace infomorph;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    io::pmf_table table;
    try {
        table = io::parse_pmf_csv(in, "fuzz.csv");
    } catch (const io::pmf_csv_error&) {
        return 0;
    }
    check(table.n_sources >= 1 && table.n_sources <= 4);
    check(!table.target_values.empty());
    for (std::size_t i = 1; i < table.target_values.size(); ++i)
        check(table.target_values[i - 1] < table.target_values[i]);
    check(std::abs(table.joint.total_mass() - 1.0) < 1e-9);
    // The PID costs grow with the cells; a fuzzer's inputs stay small (-max_len).
    pid::shared_exclusion_pid estimator(table.n_sources);
    const pid::pid_values values = estimator.evaluate(table.joint.view());
    for (const double atom : values.atoms) check(std::isfinite(atom));
    check(std::isfinite(values.target_entropy));
    return 0;
}

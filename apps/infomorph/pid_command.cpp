#include "pid_command.hpp"

#include <infomorph/io/pmf_csv.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/pid/shared_exclusion.hpp>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ostream>

namespace infomorph::cli {
namespace {

// Round-off below this is printed as zero in the table (the JSON keeps every digit).
constexpr double table_zero = 5e-13;

void write_json(const pid::redundancy_lattice& lattice, const pid::pid_values& values,
                std::ostream& out) {
    nlohmann::ordered_json atoms = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < lattice.size(); ++i) atoms[lattice.name(i)] = values.atoms[i];
    nlohmann::ordered_json result;
    result["sources"] = lattice.n_sources();
    result["atoms"] = std::move(atoms);
    result["h_res"] = values.h_res;
    out << result.dump(2) << '\n';
}

void write_table(const pid::redundancy_lattice& lattice, const pid::pid_values& values,
                 const io::pmf_table& table, const std::string& file, std::ostream& out) {
    auto number = [](double v) { return fmt::format("{:>10.6f}", std::abs(v) < table_zero ? 0.0 : v); };
    std::size_t width = std::string("I(T:S1..Sn)").size();
    for (std::size_t i = 0; i < lattice.size(); ++i) width = std::max(width, lattice.name(i).size());

    out << fmt::format("{}: {} source{}, {} target value{}, {} occupied source cell{}\n", file,
                       table.n_sources, table.n_sources == 1 ? "" : "s",
                       table.target_values.size(), table.target_values.size() == 1 ? "" : "s",
                       table.joint.n_cells(), table.joint.n_cells() == 1 ? "" : "s");
    out << fmt::format("{:<{}}  {:>10}  {:>10}\n", "atom", width, "bits", "I_sx");
    for (std::size_t i = 0; i < lattice.size(); ++i)
        out << fmt::format("{:<{}}  {}  {}\n", lattice.name(i), width, number(values.atoms[i]),
                           number(values.isx[i]));
    out << fmt::format("{:<{}}  {}\n", "h_res", width, number(values.h_res));
    out << fmt::format("{:<{}}  {}\n", "I(T:S1..Sn)", width,
                       number(values.isx[lattice.full_index()]));
    out << fmt::format("{:<{}}  {}\n", "H(T)", width, number(values.target_entropy));
}

}  // namespace

CLI::App* add_pid_command(CLI::App& app, pid_options& options) {
    CLI::App* cmd = app.add_subcommand(
        "pid", "Partial information decomposition (shared-exclusion redundancy I_sx) of a "
               "joint distribution in a CSV file");
    cmd->add_option("FILE", options.file,
                    "CSV file with the header s1,...,sn,t,p (1 to 4 sources), one row per "
                    "outcome: non-negative integer values and p, a probability or a count "
                    "(normalised here). Rows with equal values add up; blank lines and lines "
                    "starting with # are skipped.")
        ->required();
    cmd->add_flag("--table", options.table,
                  "Print a readable table (atoms and I_sx in bits, h_res, I(T:S1..Sn), H(T)) to "
                  "stdout instead of JSON");
    cmd->footer(
        "Output (default): JSON on stdout, {\"sources\": n, \"atoms\": {\"{1}\": v, ...}, "
        "\"h_res\": v}, atoms in bits in the lattice order of the goal vectors.\n"
        "Exit codes: 0 success, 2 unreadable or malformed file (one line on stderr naming the "
        "file and line).\n");
    return cmd;
}

int run_pid(const pid_options& options, std::ostream& out, std::ostream& err) {
    io::pmf_table table;
    try {
        table = io::read_pmf_csv(options.file);
    } catch (const io::pmf_csv_error& e) {
        err << "infomorph pid: " << e.what() << '\n';
        return 2;
    }
    pid::shared_exclusion_pid estimator(table.n_sources);
    const pid::pid_values values = estimator.evaluate(table.joint.view());
    if (options.table)
        write_table(estimator.lattice(), values, table, options.file, out);
    else
        write_json(estimator.lattice(), values, out);
    return 0;
}

}  // namespace infomorph::cli

#pragma once
// `infomorph pid FILE [--table]`: the partial information decomposition (shared-exclusion
// redundancy I_sx) of a joint distribution given as a CSV file.

#include <CLI/CLI.hpp>

#include <iosfwd>
#include <string>

namespace infomorph::cli {

struct pid_options {
    std::string file;
    bool table = false;
};

// Adds the subcommand to app; options are filled in when the command line is parsed.
CLI::App* add_pid_command(CLI::App& app, pid_options& options);

// Writes the result to out (errors to err, one line); returns the process exit code: 0 success,
// 2 bad input (unreadable or malformed file).
int run_pid(const pid_options& options, std::ostream& out, std::ostream& err);

}  // namespace infomorph::cli

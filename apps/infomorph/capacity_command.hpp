#pragma once
// `infomorph capacity CONFIG`: the capacity sweep of an associative memory over loads and seeds.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace infomorph::cli {

struct capacity_command_options {
    std::string config_file;
    std::vector<std::string> overrides;  // --set key=value
    std::string seeds;                   // --seeds "1-10"
    std::string rule;                    // --rule: shorthand for --set memory.rule=...
    std::string output_directory;        // --output
    bool quiet = false;
};

CLI::App* add_capacity_command(CLI::App& app, capacity_command_options& options);

// Returns the exit code (0 success, 2 bad input, 3 failure). Needs an initialised MPI.
int run_capacity_command(const capacity_command_options& options);

}  // namespace infomorph::cli

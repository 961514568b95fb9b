#pragma once
// `infomorph train CONFIG`: trains a network on every rank of the MPI job it runs in.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace infomorph::cli {

struct train_options {
    std::string config_file;
    std::vector<std::string> overrides;  // --set key=value
    std::string data_directory;          // --data: shorthand for --set data.directory=...
    std::string output_directory;        // --output: shorthand for --set output.directory=...
    std::string resume_from;             // --resume CHECKPOINT
    bool quiet = false;
    bool print_config = false;           // --print-config: print the effective configuration
};

// Adds the subcommand to app; options are filled in when the command line is parsed.
CLI::App* add_train_command(CLI::App& app, train_options& options);

// Runs the training; returns the process exit code (0 success, 2 bad input, 3 failure during
// training). Needs an initialised MPI (mpi_environment) when run under mpirun.
int run_train(const train_options& options);

}  // namespace infomorph::cli

// The infomorph command-line program: one subcommand per task, each registered by a function in
// its own file (pid_command, train_command, capacity_command).

#include "capacity_command.hpp"
#include "pid_command.hpp"
#include "train_command.hpp"

#include <infomorph/comm/mpi_environment.hpp>
#include <infomorph/util/version.hpp>

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
    using namespace infomorph;
    CLI::App app{"infomorph: infomorphic neural networks trained with local information-theoretic "
                 "goals"};
    app.require_subcommand(1);
    // The headers' version; the library's own if they differ (a program built against other
    // headers than the library it links).
    const std::string version = std::string(library_version()) == INFOMORPH_VERSION
                                    ? std::string("infomorph ") + INFOMORPH_VERSION
                                    : std::string("infomorph ") + INFOMORPH_VERSION +
                                          " (library " + library_version() + ")";
    app.set_version_flag("--version", version);

    cli::pid_options pid_options;
    CLI::App* pid = cli::add_pid_command(app, pid_options);
    cli::train_options train_options;
    CLI::App* train = cli::add_train_command(app, train_options);
    cli::capacity_command_options capacity_options;
    CLI::App* capacity = cli::add_capacity_command(app, capacity_options);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);  // prints help or the usage error
        return code == 0 ? 0 : 2;
    }

    if (*pid) return cli::run_pid(pid_options, std::cout, std::cerr);
    if (*train) {
        const mpi_environment mpi(argc, argv);
        return cli::run_train(train_options);
    }
    if (*capacity) {
        const mpi_environment mpi(argc, argv);
        return cli::run_capacity_command(capacity_options);
    }
    return 2;
}

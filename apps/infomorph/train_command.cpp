#include "train_command.hpp"

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/train/run.hpp>

namespace infomorph::cli {

CLI::App* add_train_command(CLI::App& app, train_options& options) {
    CLI::App* cmd = app.add_subcommand(
        "train", "Train an infomorphic network (run it under mpirun/srun to use several ranks)");
    cmd->add_option("config", options.config_file, "Experiment configuration (TOML), see configs/")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--set", options.overrides,
                    "Override a configuration key, e.g. --set training.epochs=10 "
                    "--set layers.hidden.neurons=2000 (repeatable)");
    cmd->add_option("--data", options.data_directory,
                    "Directory of the IDX data set (same as --set data.directory=DIR)");
    cmd->add_option("--output", options.output_directory,
                    "Output directory (same as --set output.directory=DIR)");
    cmd->add_option("--resume", options.resume_from,
                    "Continue from a checkpoint (e.g. runs/x/checkpoint.h5), on any rank count");
    cmd->add_flag("--quiet,-q", options.quiet, "Print only the final summary");
    cmd->add_flag("--print-config", options.print_config,
                  "Check the configuration (with --set, --data, --output), print the effective "
                  "configuration as config.toml would hold it, and exit without training");
    return cmd;
}

int run_train(const train_options& options) {
    run_options run;
    run.config_file = options.config_file;
    run.overrides = options.overrides;
    if (!options.data_directory.empty())
        run.overrides.push_back("data.directory=" + options.data_directory);
    if (!options.output_directory.empty())
        run.overrides.push_back("output.directory=" + options.output_directory);
    run.resume_from = options.resume_from;
    run.quiet = options.quiet;
    run.print_config = options.print_config;
    return run_training(run, make_mpi_context());
}

}  // namespace infomorph::cli

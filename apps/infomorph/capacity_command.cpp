#include "capacity_command.hpp"

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/train/capacity.hpp>
#include <infomorph/train/run.hpp>
#include <infomorph/util/error_text.hpp>

#include <fmt/core.h>

#include <exception>

namespace infomorph::cli {

CLI::App* add_capacity_command(CLI::App& app, capacity_command_options& options) {
    CLI::App* cmd = app.add_subcommand(
        "capacity", "Capacity sweep of an associative memory: the largest load (patterns per "
                    "neuron) whose patterns are recalled, per seed (run it under mpirun/srun to "
                    "split each memory over ranks)");
    cmd->add_option("config", options.config_file, "A memory configuration, e.g. configs/memory.toml")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--set", options.overrides,
                    "Override a configuration key, e.g. --set layers.memory.neurons=200 "
                    "--set capacity.mode=bisect (repeatable)");
    cmd->add_option("--seeds", options.seeds,
                    "Seeds, e.g. 1-10 or 1,4,7 (default: training.seed); each seed is one sweep");
    cmd->add_option("--rule", options.rule, "infomorphic or hebbian (same as --set memory.rule=...)");
    cmd->add_option("--output", options.output_directory,
                    "Output directory (same as --set output.directory=DIR)");
    cmd->add_flag("--quiet,-q", options.quiet, "Print only the final summary");
    cmd->footer("Writes capacity.csv (one row per seed and load), capacity_summary.csv and "
                "capacity.h5 to the output directory after every load; "
                "scripts/plot_capacity.py draws them.");
    return cmd;
}

int run_capacity_command(const capacity_command_options& options) {
    const distributed_context context = make_mpi_context();
    capacity_options run;
    run.config_file = options.config_file;
    run.overrides = options.overrides;
    if (!options.rule.empty()) run.overrides.push_back("memory.rule=" + options.rule);
    if (!options.output_directory.empty())
        run.overrides.push_back("output.directory=" + options.output_directory);
    run.quiet = options.quiet;
    if (!options.seeds.empty()) {
        try {
            run.seeds = parse_seed_list(options.seeds);
        } catch (const std::exception& e) {
            if (context.is_root())
                fmt::print(stderr, "infomorph capacity: {}\n", describe_exception(e));
            return run_bad_input;
        }
    }
    return run_capacity(run, context);
}

}  // namespace infomorph::cli

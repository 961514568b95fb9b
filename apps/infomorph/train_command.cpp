#include "train_command.hpp"

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/io/config.hpp>
#include <infomorph/io/metrics_log.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/train/trainer.hpp>

#include <fmt/core.h>

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>

namespace infomorph::cli {
namespace {

namespace fs = std::filesystem;

std::string format_duration(double seconds) {
    const auto s = static_cast<long>(seconds + 0.5);
    if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
    if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}s", s);
}

// Runs step on every rank; if any rank fails, rank 0 prints every failing rank's message and
// every rank gets false. For the steps that can fail on bad input (configuration, data).
template <typename Step>
bool collectively(const distributed_context& context, const char* what, Step&& step) {
    std::string error;
    try {
        step();
    } catch (const std::exception& e) {
        error = e.what();
    }
    if (!context.any_failed(!error.empty())) return true;
    const auto messages = context.gather_to_root(error);
    if (context.is_root()) {
        // Identical messages from all ranks (the usual case) are printed once.
        std::vector<std::string> distinct;
        for (const auto& m : messages)
            if (!m.empty() && std::find(distinct.begin(), distinct.end(), m) == distinct.end())
                distinct.push_back(m);
        for (const auto& m : distinct) fmt::print(stderr, "infomorph train: {}: {}\n", what, m);
    }
    return false;
}

io::metrics_record epoch_record(const epoch_result& r, const trainer& t) {
    io::metrics_record record;
    record.set_scalar("epoch", r.epoch)
        .set_scalar("train_seconds", r.seconds)
        .set_scalar("evaluation_seconds", r.evaluation_seconds)
        .set_scalar("train_accuracy", r.train_accuracy)
        .set_scalar("validation_accuracy", r.validation_accuracy)
        .set_scalar("test_accuracy", r.test_accuracy);
    const auto& layers = t.config().layers;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        record.set_scalar("goal/" + layers[i].name, r.mean_goal[i]);
        record.set_vector("layers/" + layers[i].name + "/mean_atoms", r.mean_atoms[i]);
    }
    // Cumulative phase times and traffic of rank 0; the per-rank spread is printed at the end.
    for (std::size_t p = 0; p < phase_names.size(); ++p)
        record.set_scalar("time/" + std::string(phase_names[p]), t.timer().all()[p]);
    record.set_scalar("bytes_sent", static_cast<double>(t.activity_traffic().sent));
    record.set_scalar("bytes_received", static_cast<double>(t.activity_traffic().received));
    return record;
}

void print_phase_table(const trainer& t) {
    const distributed_context& context = t.context();
    const auto n_ranks = static_cast<std::size_t>(context.size());
    const std::size_t n_values = phase_names.size() + 2;
    std::vector<double> mine(t.timer().all().begin(), t.timer().all().end());
    mine.push_back(static_cast<double>(t.activity_traffic().sent));
    mine.push_back(static_cast<double>(t.activity_traffic().received));
    std::vector<std::size_t> counts(n_ranks, n_values);
    std::vector<double> all(n_ranks * n_values);
    context.allgather_reals(mine, counts, all);
    if (!context.is_root()) return;
    fmt::print("\n{:<14} {:>10} {:>10} {:>10}   (seconds over {} rank{})\n", "phase", "min",
               "mean", "max", n_ranks, n_ranks == 1 ? "" : "s");
    for (std::size_t p = 0; p < n_values; ++p) {
        double lo = all[p], hi = all[p], sum = 0;
        for (std::size_t r = 0; r < n_ranks; ++r) {
            const double v = all[r * n_values + p];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
            sum += v;
        }
        const std::string name = p < phase_names.size() ? std::string(phase_names[p])
                                 : p == phase_names.size() ? "bytes_sent" : "bytes_received";
        if (p < phase_names.size())
            fmt::print("{:<14} {:>10.3f} {:>10.3f} {:>10.3f}\n", name, lo,
                       sum / static_cast<double>(n_ranks), hi);
        else
            fmt::print("{:<14} {:>10.0f} {:>10.0f} {:>10.0f}   (activity bytes)\n", name, lo,
                       sum / static_cast<double>(n_ranks), hi);
    }
}

// Threads per rank: OMP_NUM_THREADS if set, else the cores divided among the ranks on this node
// (Open MPI and SLURM say how many share it). Oversubscribed OpenMP threads spin against each
// other and can slow a run down by orders of magnitude.
int choose_threads(const distributed_context& context) {
    if (std::getenv("OMP_NUM_THREADS") == nullptr) {
        int local_ranks = context.size();
        for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"})
            if (const char* value = std::getenv(name)) {
                local_ranks = std::max(1, std::atoi(value));
                break;
            }
        const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
        omp_set_num_threads(std::max(1, cores / local_ranks));
    }
    return omp_get_max_threads();
}

}  // namespace

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
    return cmd;
}

int run_train(const train_options& options) {
    const distributed_context context = make_mpi_context();
    const bool root = context.is_root();

    // Rank 0 reads and validates the configuration; every rank parses the same text.
    // Rank 0 reads and validates the configuration (its error is reported once); every rank
    // then parses the same text.
    std::string text;
    const bool loaded = collectively(context, "configuration", [&] {
        if (!root) return;
        std::vector<std::string> overrides = options.overrides;
        if (!options.data_directory.empty())
            overrides.push_back("data.directory=" + options.data_directory);
        if (!options.output_directory.empty())
            overrides.push_back("output.directory=" + options.output_directory);
        text = io::to_toml(io::load_config(options.config_file, overrides));
    });
    if (!loaded) return 2;
    text = context.broadcast_from_root(text);
    network_config config;
    if (!collectively(context, "configuration",
                      [&] { config = io::parse_config(text, options.config_file); }))
        return 2;
    const int threads = choose_threads(context);
    const fs::path output = config.output.directory;

    std::optional<trainer> run;
    const bool ready = collectively(context, "setup", [&] {
        if (root) {
            fs::create_directories(output);
            std::ofstream(output / "config.toml") << text;
        }
        run.emplace(config, context);
        if (!options.resume_from.empty()) run->resume(options.resume_from);
    });
    if (!ready) return 2;

    io::metrics_log metrics(context);
    const auto& lattice_of = [](const layer_config& l) -> const pid::redundancy_lattice& {
        return pid::redundancy_lattice::of(1 + (l.contextual ? 1 : 0) + (l.lateral ? 1 : 0));
    };
    for (const auto& layer : config.layers) {
        const auto& lattice = lattice_of(layer);
        std::vector<std::string> labels;
        for (std::size_t i = 0; i < lattice.size(); ++i) labels.push_back(lattice.name(i));
        labels.push_back("h_res");
        metrics.set_labels("layers/" + layer.name + "/mean_atoms", labels);
    }
    if (!options.resume_from.empty()) {
        // The epochs before the checkpoint, from the metrics.csv that the checkpoint's run wrote
        // beside it (the same directory when a job resumes in place, e.g. when requeued).
        const bool restored = collectively(context, "resume", [&] {
            const fs::path earlier = fs::path(options.resume_from).parent_path() / "metrics.csv";
            if (!fs::exists(earlier)) return;
            const std::size_t kept = metrics.restore_csv(earlier, run->epochs_done());
            if (root && !options.quiet)
                fmt::print("resuming after epoch {}: kept the metrics of {} earlier epoch{} from "
                           "{}\n",
                           run->epochs_done(), kept, kept == 1 ? "" : "s", earlier.string());
        });
        if (!restored) return 2;
    }
    metrics.set_attribute("configuration", text);
    metrics.set_attribute("seed", config.training.seed);
    metrics.set_attribute("ranks", context.size());

    if (root && !options.quiet) {
        std::string layers;
        for (const auto& l : config.layers) layers += fmt::format(" {}({})", l.name, l.neurons);
        fmt::print("infomorph train: {} on {} rank{} x {} thread{}; layers:{}; {} epochs of {} "
                   "batches; output {}\n",
                   options.config_file, context.size(), context.size() == 1 ? "" : "s", threads,
                   threads == 1 ? "" : "s", layers, config.training.epochs,
                   run->batches_per_epoch(), output.string());
        std::fflush(stdout);
    }

    const int first_epoch = run->epochs_done();
    double elapsed = 0;
    const int every = config.training.checkpoint_every;
    try {
        run->run([&](const epoch_result& r) {
            elapsed += r.seconds + r.evaluation_seconds;
            metrics.append(epoch_record(r, *run));
            metrics.flush(output);
            if (every > 0 && r.epoch % every == 0) run->save_checkpoint(output / "checkpoint.h5");
            if (!root || options.quiet) return;
            const int done = r.epoch - first_epoch;
            const double eta = elapsed / done * (config.training.epochs - r.epoch);
            std::string goals;
            for (std::size_t i = 0; i < r.mean_goal.size(); ++i)
                goals += fmt::format(" {} {:.4f}", config.layers[i].name, r.mean_goal[i]);
            auto pct = [](double a) { return a < 0 ? std::string("-") : fmt::format("{:.2f}%", 100 * a); };
            fmt::print("epoch {:>3}/{}  train {:.2f}s eval {:.2f}s | goal{} | accuracy train {} "
                       "val {} test {} | ETA {}\n",
                       r.epoch, config.training.epochs, r.seconds, r.evaluation_seconds, goals,
                       pct(r.train_accuracy), pct(r.validation_accuracy), pct(r.test_accuracy),
                       format_duration(eta));
            std::fflush(stdout);
        });
        run->save_checkpoint(output / "checkpoint.h5");
        run->save_network(output / "network.h5");
    } catch (const std::exception& e) {
        // Whatever failed may have failed on this rank only: a collective exit could hang.
        context.abort(3, std::string("training failed: ") + e.what());
    }
    print_phase_table(*run);  // collective; rank 0 prints
    if (root)
        fmt::print("results: {}/metrics.csv, metrics.h5, network.h5, checkpoint.h5\n",
                   output.string());
    return 0;
}

}  // namespace infomorph::cli

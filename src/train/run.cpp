#include <infomorph/train/run.hpp>

#include <infomorph/comm/agreement.hpp>
#include <infomorph/io/config.hpp>
#include <infomorph/io/metrics_log.hpp>
#include <infomorph/train/task.hpp>
#include <infomorph/util/error_text.hpp>
#include <infomorph/util/files.hpp>

#include <fmt/core.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>

namespace infomorph {
namespace {

namespace fs = std::filesystem;

constexpr const char* program = "infomorph train";

// The epoch's row: the run's own columns around the task's.
io::metrics_record epoch_record(const epoch_report& report, const task& t) {
    io::metrics_record record;
    record.set_scalar("epoch", report.epoch)
        .set_scalar("train_seconds", report.train_seconds)
        .set_scalar("evaluation_seconds", report.evaluation_seconds);
    for (const auto& s : report.metrics.scalars()) record.set_scalar(s.name, s.value);
    for (const auto& v : report.metrics.vectors()) record.set_vector(v.name, v.values);
    // Cumulative phase times and traffic of rank 0; the per-rank spread is printed at the end.
    for (std::size_t p = 0; p < phase_names.size(); ++p)
        record.set_scalar("time/" + std::string(phase_names[p]), t.timer().all()[p]);
    record.set_scalar("bytes_sent", static_cast<double>(t.activity_traffic().sent));
    record.set_scalar("bytes_received", static_cast<double>(t.activity_traffic().received));
    return record;
}

// Collective; rank 0 prints min / mean / max of every phase over ranks.
void print_phase_table(const task& t, const distributed_context& context) {
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

}  // namespace

std::string format_duration(double seconds) {
    const auto s = static_cast<long>(seconds + 0.5);
    if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
    if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}s", s);
}

int guarded(const distributed_context& context, const std::string& program_name,
            const std::function<int()>& body) {
    try {
        return body();
    } catch (...) {
        context.abort(run_failed, program_name + ": " + describe_current_exception());
    }
}

bool collectively(const distributed_context& context, const std::string& program_name,
                  const std::string& what, const std::function<void()>& step) {
    std::string error;
    try {
        step();
    } catch (...) {
        error = describe_current_exception();
        if (error.empty()) error = "failed without a message";
    }
    if (!context.any_failed(!error.empty())) return true;
    const auto messages = context.gather_to_root(error);
    if (context.is_root()) {
        // Identical messages from all ranks (the usual case) are printed once.
        std::vector<std::string> distinct;
        for (const auto& m : messages)
            if (!m.empty() && std::find(distinct.begin(), distinct.end(), m) == distinct.end())
                distinct.push_back(m);
        for (const auto& m : distinct) fmt::print(stderr, "{}: {}: {}\n", program_name, what, m);
    }
    return false;
}

bool load_configuration(const distributed_context& context, const std::string& program_name,
                        const fs::path& file, const std::vector<std::string>& overrides,
                        network_config& config, std::string& effective_text) {
    // Rank 0 reads and validates the configuration (its error is reported once); every rank
    // then parses the same text.
    std::string text;
    if (!collectively(context, program_name, "configuration", [&] {
            if (context.is_root()) text = io::to_toml(io::load_config(file, overrides));
        }))
        return false;
    text = context.broadcast_from_root(text);
    if (!collectively(context, program_name, "configuration",
                      [&] { config = io::parse_config(text, file.string()); }))
        return false;
    effective_text = std::move(text);
    return true;
}

void prepare_output_directory(const fs::path& directory,
                              const std::vector<std::string>& result_files,
                              const std::string& config_text) {
    fs::create_directories(directory);
    require_no_directory_in_the_way(directory, result_files);
    write_file_atomically(directory / "config.toml", config_text);
}

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

namespace {

int train(const run_options& options, const distributed_context& context,
          fs::path* output_directory) {
    const bool root = context.is_root();
    network_config config;
    std::string text;
    if (!load_configuration(context, program, options.config_file, options.overrides, config, text))
        return run_bad_input;
    if (options.print_config) {
        // For tools that build on a configuration (a goal search reads the goal vectors and
        // layer names from it): every key spelled out, goals as arrays in lattice order.
        if (root) fmt::print("{}", text);
        return run_succeeded;
    }
    const int threads = choose_threads(context);
    const fs::path output = config.output.directory;
    if (output_directory) *output_directory = output;

    // Setup, in an order that writes nothing until everything that can fail on bad input has
    // been checked: a run that fails at setup leaves its output directory as it was.
    std::unique_ptr<task> run;
    if (!collectively(context, program, "setup", [&] { run = make_task(config, context); }))
        return run_bad_input;
    // Every rank read its data itself: ranks that read different files would hang in a
    // collective or train on different data.
    if (!collectively(context, program, "data", [&] {
            const input_identity inputs = run->inputs();
            require_agreement(context, inputs.fingerprint, inputs.description, "the input",
                              "Every rank must read the same data: give data.directory as an "
                              "absolute path on a shared file system (a relative one is "
                              "resolved in each rank's working directory), or make the "
                              "node-local copies identical.");
        }))
        return run_bad_input;
    std::vector<std::string> result_files = {"metrics.csv", "metrics.h5", "network.h5",
                                             "checkpoint.h5"};
    for (auto& file : run->further_result_files()) result_files.push_back(std::move(file));
    io::metrics_log metrics(context);
    run->label_metrics(metrics);
    if (!options.resume_from.empty()) {
        // The epochs before the checkpoint, from the metrics.csv that the checkpoint's run wrote
        // beside it (the same directory when a job resumes in place, e.g. when requeued).
        const bool restored = collectively(context, program, "resume", [&] {
            run->resume(options.resume_from);
            const fs::path earlier = options.resume_from.parent_path() / "metrics.csv";
            if (!fs::exists(earlier)) return;
            const std::size_t kept = metrics.restore_csv(earlier, run->epochs_done());
            if (root && !options.quiet)
                fmt::print("resuming after epoch {}: kept the metrics of {} earlier epoch{} from "
                           "{}\n",
                           run->epochs_done(), kept, kept == 1 ? "" : "s", earlier.string());
        });
        if (!restored) return run_bad_input;
    } else if (!collectively(context, program, "setup", [&] { run->load_stored_weights(); })) {
        return run_bad_input;
    }
    if (!collectively(context, program, "output", [&] {
            if (root) prepare_output_directory(output, result_files, text);
        }))
        return run_bad_input;
    metrics.set_attribute("configuration", text);
    metrics.set_attribute("seed", config.training.seed);
    metrics.set_attribute("ranks", context.size());

    if (root && !options.quiet) {
        fmt::print("{}: {} on {} rank{} x {} thread{}; {}; {} epochs; output {}\n", program,
                   options.config_file.string(), context.size(), context.size() == 1 ? "" : "s",
                   threads, threads == 1 ? "" : "s", run->summary(), config.training.epochs,
                   output.string());
        std::fflush(stdout);
    }

    const int first_epoch = run->epochs_done();
    double elapsed = 0;
    const int every = config.training.checkpoint_every;
    // Metrics files are rewritten whole, so a run of thousands of short epochs (a memory)
    // rewrites them at checkpoints and at most every few seconds, not after every epoch; a
    // resumed run recomputes whatever epochs its checkpoint does not hold anyway.
    constexpr double quiet_seconds = 5.0;
    auto since = [](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    auto last_flush = std::chrono::steady_clock::now();
    auto last_print = last_flush;
    try {
        for (int epoch = first_epoch; epoch < config.training.epochs && !run->done(); ++epoch) {
            const epoch_report r = run->run_epoch(epoch);
            elapsed += r.train_seconds + r.evaluation_seconds;
            metrics.append(epoch_record(r, *run));
            const bool checkpoint = every > 0 && r.epoch % every == 0;
            const bool last = r.done || r.epoch == config.training.epochs;
            // The flush is rank 0's alone (not collective); the checkpoint is collective and
            // decided alike on every rank.
            if (r.evaluated || checkpoint || last || since(last_flush) >= quiet_seconds) {
                metrics.flush(output);
                last_flush = std::chrono::steady_clock::now();
            }
            if (checkpoint) run->save_checkpoint(output / "checkpoint.h5");
            if (!root || options.quiet) continue;
            if (!r.evaluated && !last && since(last_print) < quiet_seconds) continue;
            last_print = std::chrono::steady_clock::now();
            const int done = r.epoch - first_epoch;
            const double eta = r.done ? 0.0 : elapsed / done * (config.training.epochs - r.epoch);
            fmt::print("epoch {:>3}/{}  train {:.2f}s eval {:.2f}s | {} | ETA {}\n", r.epoch,
                       config.training.epochs, r.train_seconds, r.evaluation_seconds, r.progress,
                       r.done ? "done" : format_duration(eta));
            std::fflush(stdout);
        }
        if (run->epochs_done() > first_epoch) {
            run->save_checkpoint(output / "checkpoint.h5");
            run->save_network(output / "network.h5");
            run->save_further_results(output);
        } else if (root && !options.quiet) {
            // A resumed run with nothing left to do: its results on disk stay as they are
            // (rewriting network.h5 here would drop the atoms, which no epoch computed).
            fmt::print("nothing left to do: {} of {} epochs done{}; results left as they are\n",
                       run->epochs_done(), config.training.epochs,
                       run->done() ? " and the task finished" : "");
        }
    } catch (...) {
        // Whatever failed may have failed on this rank only: a collective exit could hang.
        context.abort(run_failed, "training failed: " + describe_current_exception());
    }
    print_phase_table(*run, context);  // collective; rank 0 prints
    if (root) {
        std::string files;  // (a resumed run with nothing left to do may lack a further file)
        for (const auto& file : result_files)
            if (fs::exists(output / file)) files += (files.empty() ? "" : ", ") + file;
        fmt::print("results: {}/{}\n", output.string(), files);
    }
    return run_succeeded;
}

}  // namespace

int run_training(const run_options& options, const distributed_context& context,
                 fs::path* output_directory) {
    return guarded(context, program, [&] { return train(options, context, output_directory); });
}

}  // namespace infomorph

#pragma once
// A training run, as the library owns it (docs/tasks.md): configuration -> task (data and
// network) -> epochs -> checkpoints and metrics -> outputs, resumable on any rank count. The
// `infomorph train` command parses its flags into run_options and calls run_training; a
// Python binding or another program can do the same.
//
// Policy that lives here, not in the program: the configuration is read and validated on rank 0
// and broadcast; errors that any rank finds are reported once by rank 0 and end every rank with
// the same exit code; checkpoints every training.checkpoint_every epochs and at the end, through
// a temporary file; a resumed run keeps the metrics of the epochs its checkpoint holds; threads
// per rank follow OMP_NUM_THREADS or the cores divided among the node's ranks.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/model/network_config.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace infomorph {

struct run_options {
    std::filesystem::path config_file;
    std::vector<std::string> overrides;  // "key=value", as --set takes them
    std::filesystem::path resume_from;   // a checkpoint.h5, or empty
    bool quiet = false;                  // only the final summary
    bool print_config = false;           // only check and print the effective configuration
};

// Exit codes of a run: the same on every rank.
inline constexpr int run_succeeded = 0;
inline constexpr int run_bad_input = 2;   // configuration, data, checkpoint: nothing trained
inline constexpr int run_failed = 3;      // training failed (the job is aborted)

// Runs the whole training on every rank of context; returns the exit code. If output_directory
// is given, it receives the run's output directory once the configuration has been read (for a
// caller that reads the results afterwards, such as the Python module).
int run_training(const run_options& options, const distributed_context& context,
                 std::filesystem::path* output_directory = nullptr);

// Runs step on every rank; if any rank throws, rank 0 prints every distinct message as
// "<program>: <what>: <message>" to stderr and every rank gets false. For the steps that can
// fail on bad input (configuration, data).
bool collectively(const distributed_context& context, const std::string& program,
                  const std::string& what, const std::function<void()>& step);

// Runs body and returns its exit code. An exception that escapes body (a defect, or a failure on
// some ranks only, where a collective exit could hang) ends every rank through the context's
// abort with run_failed and "<program>: <message>", never through std::terminate.
int guarded(const distributed_context& context, const std::string& program,
            const std::function<int()>& body);

// Reads the configuration on rank 0 (with the overrides), broadcasts its effective text and
// parses it on every rank. Returns false (after rank 0 printed the error) if it is bad.
bool load_configuration(const distributed_context& context, const std::string& program,
                        const std::filesystem::path& file, const std::vector<std::string>& overrides,
                        network_config& config, std::string& effective_text);

// The output step of a command's setup, on rank 0 only (not collective): creates the directory,
// refuses a directory standing where one of the command's result files goes, and writes
// config.toml (atomically). Run it after every check that can fail on bad input, so that a
// command that fails at setup leaves the directory as it was, and before any long work, so that
// an output directory that cannot be written is found at once.
void prepare_output_directory(const std::filesystem::path& directory,
                              const std::vector<std::string>& result_files,
                              const std::string& config_text);

// Threads per rank: OMP_NUM_THREADS if set, else the cores divided among the ranks on this node
// (Open MPI and SLURM say how many share it): oversubscribed OpenMP threads spin against each
// other and can slow a run down by orders of magnitude. Returns the count in use.
int choose_threads(const distributed_context& context);

// "42s", "3m05s", "2h07m".
std::string format_duration(double seconds);

}  // namespace infomorph

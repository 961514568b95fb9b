#include <infomorph/train/memory_task.hpp>

#include <infomorph/io/dataset.hpp>
#include <infomorph/io/h5_file.hpp>
#include <infomorph/model/activity_packing.hpp>
#include <infomorph/model/partition.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/train/network_state.hpp>
#include <infomorph/util/content_hash.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>

namespace infomorph {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

const layer_config& memory_layer(const network_config& config) {
    if (config.task != task_kind::memory)
        throw std::invalid_argument("memory_task: the configuration's task is not \"memory\"");
    if (config.layers.size() != 1)
        throw std::invalid_argument("the memory task has exactly one layer, got " +
                                    std::to_string(config.layers.size()));
    check_memory_layer(config.layers.front());
    return config.layers.front();
}

}  // namespace

std::vector<int> recall_check_epochs(int max_epochs, int n_checks) {
    std::vector<int> epochs;
    if (max_epochs < 1) return epochs;
    const double top = std::log10(static_cast<double>(max_epochs));
    for (int i = 0; i < n_checks; ++i) {
        const double exponent = n_checks == 1 ? top : top * i / (n_checks - 1);
        const int e = std::clamp(static_cast<int>(std::floor(std::pow(10.0, exponent) + 1e-9)), 1,
                                 max_epochs);
        if (epochs.empty() || epochs.back() != e) epochs.push_back(e);
    }
    if (epochs.back() != max_epochs) epochs.push_back(max_epochs);
    return epochs;
}

memory_task::memory_task(network_config config, distributed_context context)
    : config_(std::move(config)), context_(std::move(context)) {
    const layer_config& layer = memory_layer(config_);
    const auto n = static_cast<std::size_t>(layer.neurons);
    if (context_.size() > layer.neurons)
        throw std::invalid_argument(std::to_string(context_.size()) + " ranks but the memory has " +
                                    std::to_string(n) + " neurons: use at most " +
                                    std::to_string(n) + " ranks");
    const std::size_t p = memory_pattern_count(config_);
    if (p < 1)
        throw std::invalid_argument("memory: no pattern to store (P = round(load * N) = 0)");
    patterns_ = io::random_patterns(n, p, config_.training.seed);
    {
        content_hash hash;
        hash.add_size(n).add_size(p).add(std::span<const std::uint64_t>(patterns_.bits));
        inputs_ = {hash.value(), std::to_string(p) + " random patterns of " + std::to_string(n) +
                                     " neurons (seed " + std::to_string(config_.training.seed) + ")"};
    }
    all_rows_.resize(p);
    std::iota(all_rows_.begin(), all_rows_.end(), std::size_t{0});
    all_patterns_ = io::neuron_major(patterns_, all_rows_);
    network_ = std::make_unique<memory_network>(
        layer, config_.training.seed, owned_range(n, context_.size(), context_.rank()),
        [this](std::span<const float> local, std::size_t batch, packed_states& full) {
            gather_states(local, batch, full);
        });
    network_->set_timer(&timer_);
    checks_ = recall_check_epochs(config_.training.epochs, config_.memory.recall_checks);
    if (config_.memory.rule == memory_rule::hebbian) network_->set_hebbian(all_patterns_, p);
}

void memory_task::gather_states(std::span<const float> local, std::size_t batch,
                                packed_states& full) {
    const std::size_t per_neuron = words_per_neuron(batch);
    const std::size_t n = network_->n_neurons();
    full.resize(n * per_neuron);
    local_words_.resize(local.size() / batch * per_neuron);
    pack_activity(local, batch, local_words_);
    if (context_.size() == 1) {
        full = local_words_;
        return;
    }
    std::vector<std::size_t> counts(static_cast<std::size_t>(context_.size()));
    for (int r = 0; r < context_.size(); ++r)
        counts[static_cast<std::size_t>(r)] = owned_range(n, context_.size(), r).size() * per_neuron;
    context_.allgather_bits(local_words_, counts, full);
    ++traffic_.exchanges;
    traffic_.sent += static_cast<std::int64_t>(local_words_.size() * sizeof(std::uint64_t));
    traffic_.received +=
        static_cast<std::int64_t>((full.size() - local_words_.size()) * sizeof(std::uint64_t));
}

std::string memory_task::summary() const {
    const char* rule = config_.memory.rule == memory_rule::hebbian ? "hebbian" : "infomorphic";
    const std::size_t n = network_->n_neurons();
    char load[32];
    std::snprintf(load, sizeof load, "%.4g", static_cast<double>(n_patterns()) / static_cast<double>(n));
    return std::string("memory of ") + std::to_string(n) + " neurons, " +
           std::to_string(n_patterns()) + " patterns (load " + load + "), rule " + rule;
}

void memory_task::label_metrics(io::metrics_log& metrics) const {
    const auto& lattice = pid::redundancy_lattice::of(2);
    std::vector<std::string> labels;
    for (std::size_t i = 0; i < lattice.size(); ++i) labels.push_back(lattice.name(i));
    labels.push_back("h_res");
    metrics.set_labels("layers/" + network_->layer().name() + "/mean_atoms", labels);
}

recall_summary memory_task::recall(double flip_fraction) {
    const std::size_t p = n_patterns();
    const std::size_t n = network_->n_neurons();
    const packed_states& targets = all_patterns_;
    const packed_states cues =
        flip_fraction > 0
            ? io::neuron_major(io::with_flipped_bits(patterns_, flip_fraction, config_.training.seed),
                               all_rows_)
            : targets;
    const int max_steps = config_.memory.max_recall_steps > 0 ? config_.memory.max_recall_steps
                                                              : static_cast<int>(n);
    const recall_result result = network_->recall(cues, p, max_steps);
    const std::vector<double> cosine = state_cosines(result.final_states, targets, n, p);
    recall_summary summary;
    std::size_t recalled = 0, fixed = 0, cycles = 0;
    double cosine_sum = 0, steps = 0;
    for (std::size_t b = 0; b < p; ++b) {
        if (cosine[b] >= config_.memory.recall_cosine) ++recalled;
        cosine_sum += cosine[b];
        steps += result.steps[b];
        fixed += result.end[b] == recall_end::fixed_point;
        cycles += result.end[b] == recall_end::two_cycle;
    }
    const auto count = static_cast<double>(p);
    summary.recalled_fraction = static_cast<double>(recalled) / count;
    summary.mean_cosine = cosine_sum / count;
    summary.mean_steps = steps / count;
    summary.fixed_point_fraction = static_cast<double>(fixed) / count;
    summary.two_cycle_fraction = static_cast<double>(cycles) / count;
    return summary;
}

epoch_report memory_task::run_epoch(int epoch) {
    const auto start = std::chrono::steady_clock::now();
    const std::size_t p = n_patterns();
    const layer_config& layer = config_.layers.front();
    epoch_report report;
    report.epoch = epoch + 1;
    std::vector<double> goal_sums(network_->layer().n_local(), 0.0);
    std::size_t n_batches = 0;
    if (config_.memory.rule == memory_rule::infomorphic) {
        const std::vector<std::size_t> order =
            io::epoch_order(all_rows_, config_.training.seed, static_cast<std::uint64_t>(epoch));
        const auto batch_size = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::floor(config_.memory.batch_fraction *
                                                   static_cast<double>(p))));
        n_batches = io::batch_count(p, batch_size);
        for (std::size_t b = 0; b < n_batches; ++b) {
            const auto rows = io::batch_slice(order, b, batch_size);
            packed_states batch;
            {
                const auto data_time = timed(&timer_, phase::data);
                batch = io::neuron_major(patterns_, rows);
            }
            const std::span<const double> goals =
                network_->train_step(batch, rows.size(), updates_, config_.training);
            ++updates_;
            for (std::size_t j = 0; j < goals.size(); ++j) goal_sums[j] += goals[j];
            if (b + 1 == n_batches) {
                const auto goal_time = timed(&timer_, phase::goal);
                last_atoms_ = network_->decompose(rows.size());
                atoms_ready_ = true;
            }
        }
        const auto n = static_cast<double>(network_->n_neurons());
        const double goal = context_.sum_in_global_order(goal_sums, 1)[0] /
                            (n * static_cast<double>(n_batches));
        std::vector<double> atoms = context_.sum_in_global_order(last_atoms_, 5);
        for (double& a : atoms) a /= n;
        report.metrics.set_scalar("goal/" + layer.name, goal);
        report.metrics.set_vector("layers/" + layer.name + "/mean_atoms", atoms);
        char text[64];
        std::snprintf(text, sizeof text, "goal %s %.4f", layer.name.c_str(), goal);
        report.progress = text;
    } else {
        report.progress = "hebbian weights";
    }
    report.train_seconds = seconds_since(start);

    // Hebbian weights are final at once; the learned ones are checked at the log-spaced epochs.
    const bool hebbian = config_.memory.rule == memory_rule::hebbian;
    const bool check =
        hebbian || std::binary_search(checks_.begin(), checks_.end(), epoch + 1);
    if (check) {
        const auto evaluation_start = std::chrono::steady_clock::now();
        recall_summary r;
        {
            const auto eval_time = timed(&timer_, phase::evaluate);
            r = recall(config_.memory.flip_fraction);
        }
        report.metrics.set_scalar("recalled_fraction", r.recalled_fraction)
            .set_scalar("mean_cosine", r.mean_cosine)
            .set_scalar("recall_steps", r.mean_steps)
            .set_scalar("fixed_point_fraction", r.fixed_point_fraction)
            .set_scalar("two_cycle_fraction", r.two_cycle_fraction);
        char text[128];
        std::snprintf(text, sizeof text, " | recalled %.2f%% (cosine %.4f, %.1f steps)",
                      100 * r.recalled_fraction, r.mean_cosine, r.mean_steps);
        report.progress += text;
        report.evaluation_seconds = seconds_since(evaluation_start);
        report.evaluated = true;
        if (hebbian || (config_.memory.early_stop &&
                        r.recalled_fraction >= config_.memory.success_fraction))
            done_ = true;
    }
    report.done = done_;
    epochs_done_ = epoch + 1;
    return report;
}

void memory_task::save_checkpoint(const std::filesystem::path& path) {
    const auto io_time = timed(&timer_, phase::io);
    io::h5_writer file(path, context_);
    write_run_attributes(file, config_, {epochs_done_, updates_, done_}, context_.size(),
                         state_file::checkpoint, inputs_);
    write_layer_state(file, network_->layer(), true);
    file.commit();
}

void memory_task::save_network(const std::filesystem::path& path) {
    const auto io_time = timed(&timer_, phase::io);
    io::h5_writer file(path, context_);
    write_run_attributes(file, config_, {epochs_done_, updates_, done_}, context_.size(),
                         state_file::results, inputs_);
    write_layer_state(file, network_->layer(), false);
    // Collective, so decided alike on every rank: all ranks ran the same epochs.
    if (atoms_ready_) write_neuron_atoms(file, network_->layer(), last_atoms_);
    file.commit();
}

void memory_task::resume(const std::filesystem::path& path) {
    const auto io_time = timed(&timer_, phase::io);
    io::h5_reader file(path, context_);
    const run_progress progress = read_run_progress(file, config_, inputs_);
    read_layer_state(file, network_->layer());
    epochs_done_ = progress.epochs_done;
    updates_ = progress.updates;
    done_ = progress.done;
}

}  // namespace infomorph

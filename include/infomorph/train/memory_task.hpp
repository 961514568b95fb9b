#pragma once
// The associative-memory task (docs/tasks.md; Blümel et al., arXiv 2511.02584): P random +-1
// patterns stored in one recurrent layer of N infomorphic neurons, either learned by the
// neurons' local redundancy goal (rule "infomorphic") or set by the classical Hebbian rule
// (rule "hebbian", for comparison through the same recall code). An epoch is one pass over the
// patterns in batches; at log-spaced epochs the patterns are recalled from their cues and the
// run ends early once memory.success_fraction of them come back.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/io/memory_patterns.hpp>
#include <infomorph/model/memory_network.hpp>
#include <infomorph/model/network_config.hpp>
#include <infomorph/train/task.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace infomorph {

// How well a memory recalls its patterns.
struct recall_summary {
    double recalled_fraction = 0;  // patterns whose final state has cosine >= recall_cosine
    double mean_cosine = 0;
    double mean_steps = 0;         // synchronous updates until a pattern's end was detected
    double fixed_point_fraction = 0;
    double two_cycle_fraction = 0;
};

// The 1-based epochs of 1..max_epochs at which recall is checked: n_checks log-spaced values
// (floor of 10^(i * log10(max_epochs) / (n_checks - 1))), without repeats, and max_epochs
// itself.
std::vector<int> recall_check_epochs(int max_epochs, int n_checks);

class memory_task final : public task {
public:
    // Generates the patterns of (training.seed, P) and builds this rank's block of the layer.
    memory_task(network_config config, distributed_context context);

    std::string summary() const override;
    input_identity inputs() const override { return inputs_; }
    void label_metrics(io::metrics_log& metrics) const override;
    epoch_report run_epoch(int epoch) override;
    int epochs_done() const override { return epochs_done_; }
    bool done() const override { return done_; }
    void save_checkpoint(const std::filesystem::path& file) override;
    void save_network(const std::filesystem::path& file) override;
    void resume(const std::filesystem::path& checkpoint) override;
    const phase_timer& timer() const override { return timer_; }
    const traffic& activity_traffic() const override { return traffic_; }

    // Recall from the patterns with `flip_fraction` of their bits flipped (collective).
    recall_summary recall(double flip_fraction);

    std::size_t n_patterns() const { return patterns_.n_patterns; }
    const io::pattern_set& patterns() const { return patterns_; }
    memory_network& model() { return *network_; }
    const network_config& config() const { return config_; }

private:
    void gather_states(std::span<const float> local, std::size_t batch, packed_states& full);

    network_config config_;
    distributed_context context_;
    io::pattern_set patterns_;
    input_identity inputs_;
    std::vector<std::size_t> all_rows_;  // 0, 1, ..., P - 1
    packed_states all_patterns_;         // every pattern as a state, packed neuron-major
    std::unique_ptr<memory_network> network_;
    std::vector<int> checks_;
    phase_timer timer_;
    traffic traffic_;
    int epochs_done_ = 0;
    std::uint64_t updates_ = 0;
    bool done_ = false;
    std::vector<double> last_atoms_;  // local neurons' rows of the last batch
    bool atoms_ready_ = false;        // an epoch was trained in this process
    std::vector<std::uint64_t> local_words_;
};

}  // namespace infomorph

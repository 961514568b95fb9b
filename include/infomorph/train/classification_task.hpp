#pragma once
// The classification task (docs/tasks.md): minibatches of an IDX data set in the seeded epoch
// order, evaluation of the readout with the label withheld on the train, validation and test
// splits, per-neuron atoms of the last batch. Every rank runs it; each owns a block of every
// layer's neurons and exchanges only bit-packed activity and per-neuron statistics.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/model/network.hpp>
#include <infomorph/model/network_config.hpp>
#include <infomorph/train/task.hpp>
#include <infomorph/util/phase_timer.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace infomorph {

struct epoch_result {
    int epoch = 0;  // 1-based
    double seconds = 0;           // training pass only
    double evaluation_seconds = 0;
    double train_accuracy = -1;  // -1: not evaluated
    double validation_accuracy = -1;
    double test_accuracy = -1;
    std::vector<double> mean_goal;                // per layer, over neurons and batches
    std::vector<std::vector<double>> mean_atoms;  // per layer: atoms (lattice order) then h_res
};

struct training_data;  // images and labels, split (defined in trainer.cpp)

class classification_task final : public task {
public:
    // Loads the data set named in config.data (every rank reads it) and builds the network with
    // this rank's block of every layer.
    classification_task(network_config config, distributed_context context);
    ~classification_task() override;

    // The task interface (task.hpp).
    std::string summary() const override;
    input_identity inputs() const override { return inputs_; }
    void label_metrics(io::metrics_log& metrics) const override;
    epoch_report run_epoch(int epoch) override;
    int epochs_done() const override { return epochs_done_; }
    bool done() const override { return false; }
    void save_checkpoint(const std::filesystem::path& file) override;
    void save_network(const std::filesystem::path& file) override;
    std::vector<std::string> further_result_files() const override;
    void save_further_results(const std::filesystem::path& directory) override;
    void resume(const std::filesystem::path& checkpoint) override;
    void load_stored_weights() override;
    const phase_timer& timer() const override { return timer_; }
    const traffic& activity_traffic() const override { return traffic_; }

    // One epoch (0-based number), with evaluation.
    epoch_result train_epoch(int epoch);

    network& model() { return *network_; }
    const network_config& config() const { return config_; }
    const distributed_context& context() const { return context_; }
    std::size_t batches_per_epoch() const;

    // Accuracy (0..1) on "train", "validation" or "test", label withheld.
    double accuracy(const std::string& which);

    // codes.h5 (docs/unsupervised.md): for the train, validation and test splits, each hidden
    // layer's +-1 output (packed: sample-major rows of ceil(N / 64) words, bit j % 64 of word
    // j / 64 set where neuron j emitted +1), the labels and the readout's predictions, as the
    // last epoch's evaluation presented them (the same batches and output-sample keys, so that
    // the test predictions give the test_accuracy of metrics.csv). Collective.
    void write_codes(const std::filesystem::path& file);

private:
    // The sampling key of an epoch's evaluation of a split ("train", "validation", "test").
    static std::uint64_t evaluation_key(int epoch, int split);
    // Called after each evaluated batch with the index of its first sample in the split, its
    // size and the readout's predictions; the network then holds the batch's activity.
    using batch_observer =
        std::function<void(std::size_t first, std::size_t batch, const std::vector<int>& predicted)>;
    double evaluate(std::span<const std::size_t> indices, bool test_set, std::uint64_t key,
                    const batch_observer& each_batch = {});
    void load_batch(bool test_set, std::span<const std::size_t> rows);
    void gather_activity(const infomorphic_layer& layer, std::size_t batch, bool with_values,
                         layer_activity& out);
    std::vector<float> gather_theta(const infomorphic_layer& layer, std::size_t batch);

    network_config config_;
    distributed_context context_;
    std::unique_ptr<training_data> data_;
    input_identity inputs_;
    std::unique_ptr<network> network_;
    phase_timer timer_;
    traffic traffic_;  // of training steps only
    bool evaluating_ = false;
    int epochs_done_ = 0;
    std::vector<std::vector<double>> last_atoms_;  // per layer, local neurons' rows
    std::vector<float> image_;  // n_pixels x batch, neuron-major
    std::vector<float> label_;  // n_classes x batch, one-hot
    std::vector<std::uint8_t> batch_labels_;
    std::vector<std::uint64_t> local_words_;
};

}  // namespace infomorph

#pragma once
// The training loop: minibatches of the seeded epoch order, evaluation with the label withheld,
// progress on the terminal, and the run's outputs.

#include <infomorph/model/network.hpp>
#include <infomorph/model/network_config.hpp>
#include <infomorph/train/phase_timer.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace infomorph {

struct epoch_result {
    int epoch = 0;  // 1-based
    double seconds = 0;
    double train_accuracy = -1;  // -1: not evaluated
    double validation_accuracy = -1;
    double test_accuracy = -1;
    std::vector<double> mean_goal;                 // per layer, over neurons and batches
    std::vector<std::vector<double>> mean_atoms;   // per layer: atoms (lattice order) then h_res
};

struct training_data;  // images and labels, split (defined in trainer.cpp)

class trainer {
public:
    // Loads the data set named in config.data and builds the network.
    explicit trainer(network_config config);
    ~trainer();

    // Runs the remaining epochs; on_epoch is called after each one.
    void run(const std::function<void(const epoch_result&)>& on_epoch);

    network& model() { return *network_; }
    const phase_timer& timer() const { return timer_; }

    // Accuracy (0..1) on the validation split, the test set or the training split.
    double accuracy(const std::string& which);

private:
    epoch_result train_epoch(int epoch);
    double evaluate(const std::vector<std::size_t>& indices, bool test_set, std::uint64_t key);
    void load_batch(bool test_set, std::span<const std::size_t> rows);

    network_config config_;
    std::unique_ptr<training_data> data_;
    std::unique_ptr<network> network_;
    phase_timer timer_;
    int epochs_done_ = 0;
    std::vector<float> image_;   // n_pixels x batch, neuron-major
    std::vector<float> label_;   // n_classes x batch, one-hot
    std::vector<std::uint8_t> batch_labels_;
};

}  // namespace infomorph

#pragma once
// A layer of infomorphic neurons. The layer holds the neurons of one contiguous range of global
// ids (all of them on one process, a block of them on an MPI rank); each neuron's parameters,
// random numbers and learning depend only on its global id, never on who else is local.

#include <infomorph/estimate/local_goal.hpp>
#include <infomorph/model/network_config.hpp>
#include <infomorph/model/partition.hpp>
#include <infomorph/pid/shared_exclusion.hpp>
#include <infomorph/model/adam.hpp>
#include <infomorph/util/phase_timer.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace infomorph {

// One input class of the local neurons: where its input comes from, its weights and optimiser
// state, and the per-batch drive (w . x + b) and goal slope dG/d(drive), neuron-major.
struct compartment {
    std::string role;    // "receptive", "contextual" or "lateral"
    std::string source;  // "image", "label" or a layer name
    bool learned = true;
    bool has_bias = true;
    std::size_t n_source = 0;  // size of the source activity
    std::size_t n_inputs = 0;  // weights per neuron: n_source when dense, the fan-in when sparse
    bool sparse = false;
    std::vector<std::uint32_t> partner;  // sparse: n_local x n_inputs source ids
    std::vector<float> weight;           // n_local x n_inputs
    std::vector<float> bias;             // n_local (zeros without bias)
    adam weight_optimiser;
    adam bias_optimiser;
    binning_config binning;
    std::vector<float> drive;  // n_local x batch
    std::vector<float> slope;  // learn()'s chunk of neurons x batch (scratch)
    std::vector<float> weight_gradient;  // the last learn()'s dG/dw, n_local x n_inputs
    std::vector<float> bias_gradient;    // and dG/db, n_local
};

// Everything that is random in a layer is keyed by these, so a neuron's draws do not depend on
// the process layout.
struct layer_identity {
    std::uint64_t seed = 0;
    std::size_t index = 0;  // position of the layer in the network
};

// The input of one compartment: values (input x batch, neuron-major) and, for +-1 activity, also
// its packed form (activity_packing.hpp), which sparse compartments read instead: a partner's
// batch is then 128 bytes instead of 4 KB. Both null: an all-zero input.
struct activity_source {
    const float* values = nullptr;
    const std::uint64_t* bits = nullptr;

    activity_source() = default;
    activity_source(const float* input_values) : values(input_values) {}  // image, label, tests
    activity_source(const float* input_values, const std::uint64_t* packed)
        : values(input_values), bits(packed) {}
    bool empty() const { return values == nullptr && bits == nullptr; }
};

class infomorphic_layer {
public:
    // source_sizes: the size of each class's source activity, in the order receptive,
    // contextual (if configured), lateral (if configured).
    infomorphic_layer(const layer_config& config, layer_identity identity,
                      std::span<const std::size_t> source_sizes, neuron_range owned);

    const layer_config& config() const { return config_; }
    const std::string& name() const { return config_.name; }
    std::size_t n_neurons() const { return static_cast<std::size_t>(config_.neurons); }
    neuron_range owned() const { return owned_; }
    std::size_t n_local() const { return owned_.size(); }
    bool learns() const;

    std::vector<compartment>& compartments() { return compartments_; }
    const std::vector<compartment>& compartments() const { return compartments_; }

    // Drive of compartment k from its source (n_source x batch, neuron-major); an empty source
    // means an all-zero input, so the drive is the bias alone. A sparse compartment reads the
    // packed form of +-1 activity when the source has it; any other needs the values.
    void compute_drive(std::size_t k, activity_source source, std::size_t batch);

    // theta = sigmoid(A) (clamped into [theta_floor(), 1 - theta_floor()]) and the sampled +-1 output of
    // every local neuron. The sample of neuron j for sample b is drawn from the stream
    // (seed, layer, j, step, presentation), counter b.
    void activate(std::size_t batch, std::uint64_t step, int presentation);

    // One learning step from the current drives and theta: the local goal gradient of every
    // neuron, the weight gradients, and an Adam update. sources[k] is compartment k's source
    // (empty for all-zero), as given to compute_drive. Returns the goal value of each local neuron.
    std::span<const double> learn(std::span<const activity_source> sources, std::size_t batch,
                                  std::uint64_t update_count, const training_config& training);

    // PID atoms (lattice order) and H_res of every local neuron's current histogram:
    // n_local rows of n_atoms + 1 values.
    std::vector<double> decompose(std::size_t batch);

    std::span<const float> theta() const { return theta_; }    // n_local x batch
    std::span<const float> samples() const { return samples_; }  // n_local x batch, +-1

    // The clamp of theta (activation_config::theta_floor).
    float theta_floor() const { return theta_floor_; }

    // The memory learn() may hold the per-sample slopes of a chunk of neurons in (32 MB unless
    // set); a chunk has at least 96 neurons per thread. Results do not depend on it.
    void set_slope_memory(std::size_t bytes) { slope_memory_ = bytes; }

    // Where learn() books its time (pid_gradient and update phases); null for none.
    void set_timer(phase_timer* timer) { timer_ = timer; }

private:
    // learn() in chunks of neurons [first, last): the goal gradient and class slopes of each,
    // then their weight and bias gradients (not yet applied).
    std::size_t learning_chunk(std::size_t batch) const;
    void goal_slopes(std::size_t first, std::size_t last, std::size_t batch);
    void weight_gradients(std::span<const activity_source> sources, std::size_t first,
                          std::size_t last, std::size_t batch);

    std::span<const float> drive_row(std::size_t k, std::size_t j, std::size_t batch) const;
    // Compartment k's drive from offset row on, or null if the layer has no class k.
    const float* class_drive(std::size_t k, std::size_t row) const;

    layer_config config_;
    float theta_floor_;
    bool heaviside_output_;  // emits sign(A) instead of a sample (activation.output)
    layer_identity identity_;
    neuron_range owned_;
    std::vector<compartment> compartments_;
    std::vector<binning_config> binnings_;
    std::vector<float> theta_;
    std::vector<float> samples_;
    std::vector<double> goal_values_;
    std::vector<float> theta_slope_;  // learn()'s chunk of neurons x batch: dG/dA
    std::vector<std::uint64_t> mixed_counter_;  // mix64(b): the per-sample half of every draw
    std::vector<std::unique_ptr<local_goal>> goals_;  // one per thread
    phase_timer* timer_ = nullptr;
    std::size_t slope_memory_ = std::size_t{32} << 20;
};

}  // namespace infomorph

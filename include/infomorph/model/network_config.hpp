#pragma once
// The description of an experiment: data, training schedule and the layers of an infomorphic
// network. Plain values only; io/config parses it from TOML and writes it back.

#include <infomorph/estimate/binning_config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace infomorph {

// How a neuron's drive A is formed from its compartment inputs r, c, l (docs/method.md section 1).
struct activation_config {
    enum class kind { two_class, three_class, additive };
    kind type = kind::two_class;
    double k1 = 0.5;  // two_class: A = r * (k1 + (1 - k1) * 2 * sigmoid(k2 * r * c))
    double k2 = 2.0;
    double a_context = 0.1;  // three_class: A = r * ((1 - aC - aL) + aC * sigmoid(bC * r * c)
    double a_lateral = 0.1;  //                         + aL * sigmoid(bL * r * l))
    double b_context = 2.0;
    double b_lateral = 2.0;
    // theta is clamped into [theta_floor, 1 - theta_floor] (and its slope is 0 on the clamp).
    // 1e-6 as the reference's two- and three-class activations; 0 (no clamp) as its additive
    // activation of the memory task, whose saturated samples then keep a (tiny) gradient.
    double theta_floor = 1e-6;
    // What the neuron emits: a +-1 sample drawn with probability theta (the infomorphic neuron),
    // or the deterministic Heaviside output sign(A), +1 where A > 0 and -1 elsewhere (the
    // reference's untrained random-projection layer, Schneider et al., ICLR 2025). A Heaviside
    // output has no sampling probability for a local goal to shape, so only a layer that learns
    // nothing may have one.
    enum class output_kind { sampled, heaviside };
    output_kind output = output_kind::sampled;
};

// One input class (compartment) of a layer.
struct input_config {
    // "image", "label", or the name of a layer (its sampled +-1 activity). For the lateral class
    // the source is always the layer itself at the previous presentation.
    std::string source;
    bool learned = true;         // false: weights stay at their initial value
    bool identity = false;       // weights fixed to the identity (needs as many inputs as neurons)
    bool bias = true;            // a bias term for this class
    int fan_in = 0;              // lateral only: 0 = all other neurons, else this many random partners
    binning_config binning;
    // One weight per neuron, reading the source's element of the neuron's own id (the memory
    // task's external input: each neuron sees its own pattern bit). Needs as many inputs as
    // neurons.
    bool diagonal = false;
    std::optional<double> initial_weight;  // every weight starts at this value (else uniform
                                           // in +-1/sqrt(fan-in), PyTorch's default)
};

struct layer_config {
    std::string name;
    int neurons = 0;
    activation_config activation;
    input_config receptive;
    std::optional<input_config> contextual;
    std::optional<input_config> lateral;
    // Atom weights in the lattice order of pid::redundancy_lattice followed by the h_res weight:
    // 5 values for two input classes, 19 for three.
    std::vector<double> goal;
    double learning_rate = 0.002;
    double weight_decay = 3.5e-4;
    // Start from a trained layer's weights, biases and lateral partners instead of random ones:
    // layer `layer` of the network.h5 (or checkpoint.h5) at `file`, which must have this
    // layer's shape (neurons, activation and input classes). With learning_rate = 0 the layer
    // stays frozen: a readout trained on it evaluates what it learned (docs/unsupervised.md).
    struct weights_source {
        std::string file;
        std::string layer;
    };
    std::optional<weights_source> weights_from;
};

// Whether a class of a layer learns: its weights are learned, not the fixed identity, and the
// layer's learning rate is positive.
inline bool class_learns(const layer_config& layer, const input_config& input) {
    return input.learned && !input.identity && layer.learning_rate > 0;
}

// Whether any class of the layer learns.
inline bool layer_learns(const layer_config& layer) {
    return class_learns(layer, layer.receptive) ||
           (layer.contextual && class_learns(layer, *layer.contextual)) ||
           (layer.lateral && class_learns(layer, *layer.lateral));
}

struct data_config {
    std::string directory = "data/mnist";  // IDX files (train/t10k images and labels)
    double validation_fraction = 0.2;
};

struct training_config {
    int epochs = 100;
    int batch_size = 1024;
    std::uint64_t seed = 30;
    // Each input is presented this many times; lateral input at presentation p is the layer's
    // sampled output at p - 1 (zero at the first), and only the last presentation enters the goal.
    int presentations = 1;
    double adam_beta1 = 0.9;
    double adam_beta2 = 0.999;
    double adam_epsilon = 1e-8;
    bool evaluate_train = true;  // also report accuracy on the training split (label withheld)
    int checkpoint_every = 1;    // epochs between checkpoints (0: only at the end); a killed run
                                 // resumes from the last one
};

struct output_config {
    std::string directory = "runs/default";
    // Classification: also write codes.h5 at the end, every hidden layer's +-1 output on the
    // training and test splits as the last evaluation saw it (docs/unsupervised.md).
    bool codes = false;
};

// What a run trains for and how it is evaluated (docs/tasks.md).
enum class task_kind { classification, memory };

// How the memory task stores and recalls its patterns.
enum class memory_rule { infomorphic, hebbian };

struct memory_config {
    memory_rule rule = memory_rule::infomorphic;
    double load = 0.2;         // alpha: P = round(load * N) patterns ...
    int patterns = 0;          // ... unless this is > 0: then exactly this many
    double batch_fraction = 1.0;  // patterns per training batch, as a fraction of P (at least 1)
    double recall_cosine = 0.95;  // a pattern is recalled when cos(final state, pattern) >= this
    double success_fraction = 0.95;  // the patterns are stored when this fraction is recalled
    double flip_fraction = 0.0;      // recall cues: the patterns with this fraction flipped
    int max_recall_steps = 0;        // synchronous updates at most; 0: N
    int recall_checks = 15;          // recall is checked at this many log-spaced epochs
    bool early_stop = true;          // training ends at the first check that succeeds
};

// The capacity sweep of `infomorph capacity` (docs/tasks.md).
struct capacity_config {
    enum class search { sweep, bisect };
    search mode = search::sweep;
    double start = 0.2;   // loads start, start + step, ... up to stop
    double step = 0.02;
    double stop = 2.0;
    // Cue corruptions tried at each load that holds, ascending; the largest that still recalls
    // success_fraction of the patterns is that load's flip_max.
    std::vector<double> flip_fractions = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45};
};

struct network_config {
    task_kind task = task_kind::classification;
    data_config data;
    training_config training;
    std::vector<layer_config> layers;  // in forward order; the last one is the readout
    output_config output;
    memory_config memory;      // task = memory only
    capacity_config capacity;  // task = memory only
};

// The number of patterns a memory configuration stores: memory.patterns if set, else
// round(memory.load * N) for the first layer's N (0 if there is no layer).
std::size_t memory_pattern_count(const network_config& config);

}  // namespace infomorph

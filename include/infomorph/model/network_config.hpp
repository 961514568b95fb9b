#pragma once
// The description of an experiment: data, training schedule and the layers of an infomorphic
// network. Plain values only; io/config parses it from TOML and writes it back.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace infomorph {

// How a neuron's drive A is formed from its compartment inputs r, c, l (METHOD.md section 1).
struct activation_config {
    enum class kind { two_class, three_class, additive };
    kind type = kind::two_class;
    double k1 = 0.5;  // two_class: A = r * (k1 + (1 - k1) * 2 * sigmoid(k2 * r * c))
    double k2 = 2.0;
    double a_context = 0.1;  // three_class: A = r * ((1 - aC - aL) + aC * sigmoid(bC * r * c)
    double a_lateral = 0.1;  //                         + aL * sigmoid(bL * r * l))
    double b_context = 2.0;
    double b_lateral = 2.0;
};

// How one source scalar is binned for the soft joint histogram (METHOD.md section 3).
struct binning_config {
    enum class kind { fixed, adaptive };
    kind type = kind::adaptive;
    int bins = 20;
    double low = -20.0;  // fixed only: values outside are clamped into the edge bins
    double high = 20.0;
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
};

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
};

struct network_config {
    data_config data;
    training_config training;
    std::vector<layer_config> layers;  // in forward order; the last one is the readout
    output_config output;
};

}  // namespace infomorph

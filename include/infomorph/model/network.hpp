#pragma once
// An infomorphic network: layers wired to the image, the label and each other as the
// configuration says, presented with each minibatch one or more times. No error signal crosses
// layers; every layer learns from its own local goal.

#include <infomorph/model/layer.hpp>
#include <infomorph/model/network_config.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace infomorph {

// The full +-1 activity of a layer at one presentation: always packed (activity_packing.hpp),
// which is what every compartment reads (dense ones through the packed kernels) and what crosses
// ranks; as values (n_neurons x batch) only when the owner of the network reads them.
struct layer_activity {
    std::vector<std::uint64_t> bits;
    std::vector<float> values;  // empty when not needed

    activity_source source() const {
        return {values.empty() ? nullptr : values.data(), bits.data()};
    }
};

// Builds a layer's full activity from the samples of the neurons every process owns: the
// packed form always, the values if with_values (else values is left empty). The local version
// packs and copies; the distributed one exchanges the packed words.
using activity_gather = std::function<void(const infomorphic_layer& layer, std::size_t batch,
                                           bool with_values, layer_activity& out)>;

// Fills out from the full activity as values (n_neurons x batch), for gathers that build values.
void set_activity(std::span<const float> values, std::size_t batch, bool with_values,
                  layer_activity& out);

// Which neurons of a layer of n neurons this process owns.
using ownership = std::function<neuron_range(std::size_t n_neurons)>;

class network {
public:
    // n_pixels, n_classes: sizes of the "image" and "label" sources. own decides which neurons
    // are local (all of them by default); gather builds full activity (a copy by default).
    network(const network_config& config, std::size_t n_pixels, std::size_t n_classes,
            ownership own = {}, activity_gather gather = {});

    std::vector<infomorphic_layer>& layers() { return layers_; }
    const std::vector<infomorphic_layer>& layers() const { return layers_; }
    const network_config& config() const { return config_; }

    // One training step: present the batch (image: n_pixels x batch, label one-hot:
    // n_classes x batch, both neuron-major) config.training.presentations times, then let every
    // layer learn from the last presentation. step numbers the training batches from 0 and keys
    // the output samples. Returns the goal value of every local neuron, per layer (empty for a
    // layer that does not learn).
    std::vector<std::vector<double>> train_step(const float* image, const float* label, std::size_t batch,
                                   std::uint64_t step);

    // Presents the batch without learning. label may be null: the label is withheld (zero
    // input), as at test time. step keys the output samples of this presentation.
    void infer(const float* image, const float* label, std::size_t batch, std::uint64_t step);

    // Full activity of layer i at the last presentation (n_neurons x batch); empty for a layer
    // not exchanged then (see set_exchange_unread).
    std::span<const float> activity(std::size_t i) const { return activity_[i].values; }
    // The same, packed (activity_packing.hpp): n_neurons x words_per_neuron(batch) words.
    std::span<const std::uint64_t> activity_bits(std::size_t i) const { return activity_[i].bits; }

    // With false, the last presentation does not exchange the output of layers that no other
    // layer reads (the readout): activity() of such a layer is then not updated. Training sets
    // it, as it evaluates from the readout's theta; true by default.
    void set_exchange_unread(bool exchange) { exchange_unread_ = exchange; }

    // PID atoms and H_res of every local neuron of layer i, from the last presentation.
    std::vector<double> decompose(std::size_t i, std::size_t batch) { return layers_[i].decompose(batch); }

    // Where the network books its time; null for none.
    void set_timer(phase_timer* timer);

    // Whether layer i is computed (and its activity exchanged) at this presentation: always at
    // the last one; at an earlier one only if a layer computed later reads its output then (a
    // readout's output before the last presentation is read by nobody, unless it feeds back).
    bool runs_at(std::size_t i, int presentation) const;

    // Number of Adam updates done so far (restored from checkpoints).
    std::uint64_t updates() const { return updates_; }
    void set_updates(std::uint64_t updates) { updates_ = updates; }

private:
    void present(const float* image, const float* label, std::size_t batch, std::uint64_t step,
                 int presentation);
    void plan_presentations();
    // Input of compartment k of layer i at this presentation; empty for an all-zero input.
    activity_source source_of(std::size_t i, std::size_t k, const float* image, const float* label,
                              int presentation) const;

    network_config config_;
    std::vector<infomorphic_layer> layers_;
    std::vector<std::vector<std::size_t>> source_layer_;  // per layer and compartment; npos if none
    std::vector<layer_activity> activity_;            // this presentation
    std::vector<layer_activity> previous_activity_;   // the presentation before
    std::vector<std::vector<activity_source>> last_sources_;
    std::vector<std::vector<bool>> computed_;    // [presentation][layer], see runs_at
    std::vector<std::size_t> first_presentation_;  // per layer: the first presentation it runs at
    std::vector<bool> read_at_last_;  // per layer: a layer above reads it at the last presentation
    bool exchange_unread_ = true;
    activity_gather gather_;
    phase_timer* timer_ = nullptr;
    std::uint64_t updates_ = 0;
};

// Index of the readout's predicted class for each sample of a batch, from its theta
// (n_classes x batch): a readout neuron whose mean theta over the batch is >= 0.5 has learned its
// class inverted (information is invariant under Y -> -Y) and is flipped before the argmax.
std::vector<int> readout_predictions(std::span<const float> theta, std::size_t n_classes,
                                     std::size_t batch);

}  // namespace infomorph

#pragma once
// The associative-memory network of docs/tasks.md ("Associative memory"; Blümel et al., arXiv
// 2511.02584): one layer of N recurrent infomorphic neurons. Source 1 of neuron j is its own
// pattern bit x_j through one learned weight (the receptive class, `diagonal`); source 2 is the
// other N - 1 neurons' current +-1 states (the lateral class, all other neurons, no
// self-connection). While training, the state is the pattern itself; at recall the external
// input is 0 and the state evolves by deterministic synchronous updates
//
//     s_j(t + 1) = sign(A_j),  A_j = w_jj * 0 + sum over k != j of w_jk s_k(t)   (s_j(t) where A_j = 0)
//
// until every pattern has reached a fixed point or a 2-cycle, or for at most max_steps steps.
//
// The neurons are split over ranks like any layer; full states (all N neurons) cross ranks only
// bit-packed, through the state_gather callback. Every rank then holds the same full state, so
// the "has any neuron of pattern b changed?" test is computed from identical data on every rank
// and all ranks agree without another message. Nothing here depends on the rank count.

#include <infomorph/model/layer.hpp>
#include <infomorph/model/network_config.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace infomorph {

// Full +-1 states of all N neurons for a batch of patterns, packed neuron-major
// (activity_packing.hpp): neuron j's bits are words[j * words_per_neuron(batch), ...).
using packed_states = std::vector<std::uint64_t>;

// Builds the full packed states from the local neurons' +-1 values (n_local x batch).
using state_gather = std::function<void(std::span<const float> local_values, std::size_t batch,
                                        packed_states& full)>;

// How the recall of one pattern ended.
enum class recall_end : std::uint8_t { fixed_point, two_cycle, step_limit };

struct recall_result {
    packed_states final_states;        // N x batch, packed
    std::vector<recall_end> end;       // per pattern
    std::vector<int> steps;            // per pattern: updates until the end was detected
    int total_steps = 0;               // synchronous updates run
};

class memory_network {
public:
    // layer: the memory layer (receptive = pattern, diagonal; lateral = all other neurons);
    // owned: the neurons of this process; gather: builds full states (a local copy by default).
    memory_network(const layer_config& layer, std::uint64_t seed, neuron_range owned,
                   state_gather gather = {});

    infomorphic_layer& layer() { return layer_; }
    const infomorphic_layer& layer() const { return layer_; }
    std::size_t n_neurons() const { return layer_.n_neurons(); }

    // One Adam step on a batch of patterns (packed neuron-major, N x batch): the state and the
    // external input are both the patterns. step keys the (unused) output samples. Returns the
    // goal value of every local neuron.
    std::span<const double> train_step(const packed_states& patterns, std::size_t batch,
                                       std::uint64_t step, const training_config& training);

    // The classical Hebbian rule (Hopfield 1982): w_jk = sum over patterns of x_j x_k for k != j
    // (exact integers), from all P patterns packed neuron-major. The external weights are left
    // as they are: recall does not read them.
    void set_hebbian(const packed_states& patterns, std::size_t n_patterns);

    // One deterministic synchronous update of the local neurons from the full state (external
    // input 0): +1 where A > 0, -1 where A < 0, the old state where A == 0.
    void update(const packed_states& state, std::size_t batch, std::vector<float>& local_next);

    // Runs update() from start (N x batch, packed) until every pattern is at a fixed point or in
    // a 2-cycle, or for max_steps updates. A pattern that ends is frozen at the state in which
    // its end was seen (for a 2-cycle: the later of the two states).
    recall_result recall(const packed_states& start, std::size_t batch, int max_steps);

    // The PID of every local neuron's histogram from the last train_step (atoms, then h_res).
    std::vector<double> decompose(std::size_t batch) { return layer_.decompose(batch); }

    // Where training steps book their time (forward, pid_gradient, update); null for none.
    void set_timer(phase_timer* timer) {
        timer_ = timer;
        layer_.set_timer(timer);
    }

private:
    infomorphic_layer layer_;
    state_gather gather_;
    std::vector<float> local_next_;
    phase_timer* timer_ = nullptr;
};

// Checks that a layer configuration is a memory layer (one receptive class reading "pattern"
// through diagonal weights, a lateral class, no contextual class, at least 2 neurons); throws
// std::invalid_argument naming the layer and the problem.
void check_memory_layer(const layer_config& layer);

// Cosine similarity of each pattern's final state to the target (both N x batch, packed):
// (N - 2 * Hamming distance) / N.
std::vector<double> state_cosines(const packed_states& states, const packed_states& targets,
                                  std::size_t n_neurons, std::size_t batch);

}  // namespace infomorph

#include <infomorph/model/memory_network.hpp>

#include <infomorph/model/activation.hpp>
#include <infomorph/model/activity_packing.hpp>

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>

namespace infomorph {
namespace {

// The receptive class (0) and the lateral class (1) of a memory layer.
constexpr std::size_t external_class = 0;
constexpr std::size_t recurrent_class = 1;

std::vector<std::size_t> memory_source_sizes(const layer_config& layer) {
    check_memory_layer(layer);
    const auto n = static_cast<std::size_t>(layer.neurons);
    return {n, n};
}

// Bit b of neuron j's row in a packed N x batch state.
bool state_bit(const packed_states& state, std::size_t per_neuron, std::size_t j, std::size_t b) {
    return (state[j * per_neuron + b / 64] >> (b % 64)) & 1u;
}

}  // namespace

void check_memory_layer(const layer_config& layer) {
    const std::string name = "layer '" + layer.name + "'";
    if (layer.neurons < 2)
        throw std::invalid_argument(name + ": an associative memory needs at least 2 neurons, got " +
                                    std::to_string(layer.neurons));
    if (layer.receptive.source != "pattern" || !layer.receptive.diagonal)
        throw std::invalid_argument(name + ": the memory task needs receptive = { source = "
                                           "\"pattern\", diagonal = true } (each neuron reads its "
                                           "own pattern bit)");
    if (layer.contextual)
        throw std::invalid_argument(name + ": a memory layer has no contextual class (source 2 "
                                           "is the lateral class: the other neurons' states)");
    if (!layer.lateral)
        throw std::invalid_argument(name + ": a memory layer needs a lateral class (the other "
                                           "neurons' current states)");
    if (layer.goal.size() != 5)
        throw std::invalid_argument(name + ": a memory layer has two sources, so its goal needs "
                                           "5 values (4 atoms and h_res), got " +
                                    std::to_string(layer.goal.size()));
}

memory_network::memory_network(const layer_config& layer, std::uint64_t seed, neuron_range owned,
                               state_gather gather)
    : layer_(layer, layer_identity{seed, 0}, memory_source_sizes(layer), owned),
      gather_(std::move(gather)) {
    if (!gather_)
        gather_ = [](std::span<const float> values, std::size_t batch, packed_states& full) {
            full.resize(values.size() / batch * words_per_neuron(batch));
            pack_activity(values, batch, full);
        };
}

std::span<const double> memory_network::train_step(const packed_states& patterns,
                                                   std::size_t batch, std::uint64_t step,
                                                   const training_config& training) {
    const activity_source source(nullptr, patterns.data());
    {
        const auto forward_time = timed(timer_, phase::forward);
        layer_.compute_drive(external_class, source, batch);
        layer_.compute_drive(recurrent_class, source, batch);
        layer_.activate(batch, step, 0);
    }
    const activity_source sources[2] = {source, source};
    return layer_.learn(sources, batch, step + 1, training);
}

void memory_network::set_hebbian(const packed_states& patterns, std::size_t n_patterns) {
    const std::size_t per_neuron = words_per_neuron(n_patterns);
    if (patterns.size() != n_neurons() * per_neuron)
        throw std::invalid_argument("set_hebbian: expected " + std::to_string(n_neurons()) +
                                    " x " + std::to_string(n_patterns) + " packed pattern bits");
    compartment& c = layer_.compartments()[recurrent_class];
    const neuron_range owned = layer_.owned();
    const auto p = static_cast<std::int64_t>(n_patterns);
    for (std::size_t jl = 0; jl < owned.size(); ++jl) {
        const std::uint64_t* xj = patterns.data() + (owned.first + jl) * per_neuron;
        for (std::size_t k = 0; k < c.n_inputs; ++k) {
            const std::uint64_t* xk = patterns.data() + c.partner[jl * c.n_inputs + k] * per_neuron;
            std::int64_t differ = 0;  // padding bits are 0 in both rows
            for (std::size_t w = 0; w < per_neuron; ++w) differ += std::popcount(xj[w] ^ xk[w]);
            // sum of x_j x_k = (agreements) - (disagreements)
            c.weight[jl * c.n_inputs + k] = static_cast<float>(p - 2 * differ);
        }
    }
}

void memory_network::update(const packed_states& state, std::size_t batch,
                            std::vector<float>& local_next) {
    layer_.compute_drive(external_class, activity_source{}, batch);  // external input 0
    layer_.compute_drive(recurrent_class, activity_source(nullptr, state.data()), batch);
    const std::size_t n_local = layer_.n_local();
    const std::size_t per_neuron = words_per_neuron(batch);
    const auto& compartments = layer_.compartments();
    local_next.resize(n_local * batch);
    std::vector<float> drive(batch);
    for (std::size_t jl = 0; jl < n_local; ++jl) {
        const std::size_t row = jl * batch;
        activate_rows(layer_.config().activation, compartments[external_class].drive.data() + row,
                      compartments[recurrent_class].drive.data() + row, nullptr, batch,
                      drive.data());
        const std::size_t j = layer_.owned().first + jl;
        for (std::size_t b = 0; b < batch; ++b) {
            const float a = drive[b];
            local_next[row + b] = a > 0.0f   ? 1.0f
                                  : a < 0.0f ? -1.0f
                                             : (state_bit(state, per_neuron, j, b) ? 1.0f : -1.0f);
        }
    }
}

recall_result memory_network::recall(const packed_states& start, std::size_t batch,
                                     int max_steps) {
    const std::size_t n = n_neurons();
    const std::size_t per_neuron = words_per_neuron(batch);
    if (start.size() != n * per_neuron)
        throw std::invalid_argument("recall: the start state must hold " + std::to_string(n) +
                                    " x " + std::to_string(batch) + " packed bits");
    recall_result result;
    result.end.assign(batch, recall_end::step_limit);
    result.steps.assign(batch, max_steps);
    packed_states before = start;  // s(t - 1)
    packed_states now = start;     // s(t)
    packed_states next;
    // Bit b set: pattern b has not ended yet.
    std::vector<std::uint64_t> running(per_neuron, ~std::uint64_t{0});
    if (batch % 64) running.back() = (std::uint64_t{1} << (batch % 64)) - 1;
    std::vector<std::uint64_t> changed(per_neuron), returned(per_neuron);
    for (int t = 0; t < max_steps; ++t) {
        if (std::all_of(running.begin(), running.end(), [](std::uint64_t w) { return w == 0; }))
            break;
        update(now, batch, local_next_);
        gather_(local_next_, batch, next);
        // changed: some neuron differs from s(t); returned: no neuron differs from s(t - 1).
        std::fill(changed.begin(), changed.end(), 0);
        std::fill(returned.begin(), returned.end(), 0);
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t w = 0; w < per_neuron; ++w) {
                const std::size_t i = j * per_neuron + w;
                // Ended patterns keep their state.
                next[i] = (next[i] & running[w]) | (now[i] & ~running[w]);
                changed[w] |= next[i] ^ now[i];
                returned[w] |= next[i] ^ before[i];
            }
        result.total_steps = t + 1;
        for (std::size_t w = 0; w < per_neuron; ++w) {
            const std::uint64_t fixed = running[w] & ~changed[w];
            const std::uint64_t cycle = running[w] & changed[w] & ~returned[w];
            for (std::uint64_t ended = fixed | cycle; ended; ended &= ended - 1) {
                const std::size_t b = w * 64 + static_cast<std::size_t>(std::countr_zero(ended));
                const bool is_fixed = (fixed >> (b % 64)) & 1u;
                result.end[b] = is_fixed ? recall_end::fixed_point : recall_end::two_cycle;
                result.steps[b] = t + 1;
            }
            running[w] &= ~(fixed | cycle);
        }
        std::swap(before, now);
        std::swap(now, next);
    }
    result.final_states = std::move(now);
    return result;
}

std::vector<double> state_cosines(const packed_states& states, const packed_states& targets,
                                  std::size_t n_neurons, std::size_t batch) {
    const std::size_t per_neuron = words_per_neuron(batch);
    if (states.size() != n_neurons * per_neuron || targets.size() != states.size())
        throw std::invalid_argument("state_cosines: states and targets must both hold " +
                                    std::to_string(n_neurons) + " x " + std::to_string(batch) +
                                    " packed bits");
    std::vector<std::int64_t> differ(batch, 0);
    for (std::size_t j = 0; j < n_neurons; ++j)
        for (std::size_t w = 0; w < per_neuron; ++w)
            for (std::uint64_t d = states[j * per_neuron + w] ^ targets[j * per_neuron + w]; d;
                 d &= d - 1)
                ++differ[w * 64 + static_cast<std::size_t>(std::countr_zero(d))];
    std::vector<double> cosine(batch);
    const auto n = static_cast<double>(n_neurons);
    for (std::size_t b = 0; b < batch; ++b)
        cosine[b] = (n - 2.0 * static_cast<double>(differ[b])) / n;
    return cosine;
}

}  // namespace infomorph

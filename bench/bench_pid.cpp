// Per-neuron cost of the PID goal and its gradient for one minibatch, as training computes it:
// bin B source tuples into K bins per source, build the soft joint histogram over the occupied
// cells (a dense index over the K^n bins), run goal_and_gradient, and read delta(s_b) back per
// sample. K = 20, B = 1024, binary target.
//
//   n = 3: fixed bins on [-20, 20] (values clamped into the edge bins), the optimised trivariate
//          goal of configs/trivariate_optimised.toml;
//   n = 2: adaptive bins (each source divided by its batch max |value|, K bins on [-1, 1]), the
//          readout goal (-0.2, 0.1, 1.0, 0.1, 0).

#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/joint_distribution.hpp>
#include <infomorph/pid/shared_exclusion.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace infomorph::pid;

constexpr int n_bins = 20;
constexpr std::size_t batch = 1024;

struct neuron_batch {
    int n_sources = 0;
    std::vector<double> sources;  // sample-major: sources[b * n_sources + i]
    std::vector<double> theta;    // P(Y = +1) per sample
};

// Correlated Gaussian drives, as a neuron sees them: source 1 the feed-forward drive, the others
// partly driven by it. theta = sigmoid of a gain-modulated drive.
neuron_batch make_batch(int n_sources, double scale, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    neuron_batch data;
    data.n_sources = n_sources;
    data.sources.resize(batch * static_cast<std::size_t>(n_sources));
    data.theta.resize(batch);
    for (std::size_t b = 0; b < batch; ++b) {
        const double r = scale * normal(rng);
        data.sources[b * static_cast<std::size_t>(n_sources)] = r;
        for (int i = 1; i < n_sources; ++i)
            data.sources[b * static_cast<std::size_t>(n_sources) + static_cast<std::size_t>(i)] =
                0.5 * r + 0.8 * scale * normal(rng);
        const double c = data.sources[b * static_cast<std::size_t>(n_sources) + 1];
        const double a = 0.2 * r * (0.8 + 0.2 / (1 + std::exp(-0.1 * r * c)));
        data.theta[b] = 1 / (1 + std::exp(-a));
    }
    return data;
}

// Reusable per-thread scratch: the dense bin index and the sparse histogram.
struct histogram_builder {
    std::vector<std::int32_t> cell_of_bin;  // K^n, -1 where empty
    std::vector<std::uint32_t> flat_of_sample;
    std::vector<cell_key> keys;
    std::vector<std::uint32_t> flat_of_cell;
    std::vector<double> mass;  // [c * 2 + 0] = p(+1, s_c), [c * 2 + 1] = p(-1, s_c)
    std::vector<double> gradient;
    std::vector<double> delta;  // per sample

    explicit histogram_builder(int n_sources) {
        std::size_t bins = 1;
        for (int i = 0; i < n_sources; ++i) bins *= n_bins;
        cell_of_bin.assign(bins, -1);
        flat_of_sample.resize(batch);
        delta.resize(batch);
    }

    // lo/hi per source: the binning range (values outside go into the edge bins).
    joint_view build(const neuron_batch& data, std::span<const double> lo,
                     std::span<const double> hi) {
        const auto n = static_cast<std::size_t>(data.n_sources);
        keys.clear();
        flat_of_cell.clear();
        mass.clear();
        const double inv_batch = 1.0 / static_cast<double>(batch);
        std::array<double, max_sources> scale{};
        for (std::size_t i = 0; i < n; ++i) scale[i] = n_bins / (hi[i] - lo[i]);
        for (std::size_t b = 0; b < batch; ++b) {
            std::uint32_t flat = 0;
            cell_key key = 0;
            for (std::size_t i = n; i-- > 0;) {
                const double u = (data.sources[b * n + i] - lo[i]) * scale[i];
                const int bin = u <= 0 ? 0 : u >= n_bins ? n_bins - 1 : static_cast<int>(u);
                flat = flat * n_bins + static_cast<std::uint32_t>(bin);
                key |= static_cast<cell_key>(bin) << (16 * i);
            }
            flat_of_sample[b] = flat;
            std::int32_t& cell = cell_of_bin[flat];
            if (cell < 0) {
                cell = static_cast<std::int32_t>(keys.size());
                keys.push_back(key);
                flat_of_cell.push_back(flat);
                mass.push_back(0.0);
                mass.push_back(0.0);
            }
            const auto c = static_cast<std::size_t>(cell);
            mass[2 * c] += data.theta[b] * inv_batch;
            mass[2 * c + 1] += (1 - data.theta[b]) * inv_batch;
        }
        gradient.resize(mass.size());
        return {data.n_sources, 2, keys, mass};
    }

    // delta(s_b) = dG/dp(+1, s_b) - dG/dp(-1, s_b) per sample, then reset the dense index.
    void finish() {
        for (std::size_t b = 0; b < batch; ++b) {
            const auto c = static_cast<std::size_t>(cell_of_bin[flat_of_sample[b]]);
            delta[b] = gradient[2 * c] - gradient[2 * c + 1];
        }
        for (std::uint32_t flat : flat_of_cell) cell_of_bin[flat] = -1;
    }
};

goal trivariate_goal() {
    const std::array<double, 19> gamma{0.3307,  0.9781,  -0.9935, 0.4017,  0.2428,
                                       0.6255,  0.4713,  0.0212,  0.0605,  -0.9470,
                                       -0.0199, -0.9677, -0.6924, 0.4270,  0.9736,
                                       0.7370,  -0.1218, -0.2151, 0.0350};
    return goal::from_vector(3, gamma);
}

goal readout_goal() {
    const std::array<double, 5> gamma{-0.2, 0.1, 1.0, 0.1, 0.0};
    return goal::from_vector(2, gamma);
}

// One neuron-batch per iteration; several different batches cycle so that no single histogram
// sits in the branch predictor.
void run(benchmark::State& state, int n_sources, const goal& g, bool adaptive) {
    constexpr int n_batches = 8;
    std::vector<neuron_batch> data;
    for (int k = 0; k < n_batches; ++k)
        data.push_back(make_batch(n_sources, adaptive ? 1.0 : 8.0, 1000 + static_cast<std::uint64_t>(k)));
    histogram_builder builder(n_sources);
    shared_exclusion_pid estimator(n_sources);
    const std::vector<double> weights = g.isx_weights();
    std::vector<double> lo(static_cast<std::size_t>(n_sources), -20.0);
    std::vector<double> hi(static_cast<std::size_t>(n_sources), 20.0);

    double cells_sum = 0;
    std::size_t k = 0;
    for (auto _ : state) {
        const neuron_batch& d = data[k++ % n_batches];
        if (adaptive) {  // divide by the batch max |value|: equal bins on [-max, max]
            for (std::size_t i = 0; i < lo.size(); ++i) {
                double m = 0;
                for (std::size_t b = 0; b < batch; ++b)
                    m = std::max(m, std::abs(d.sources[b * lo.size() + i]));
                lo[i] = -m;
                hi[i] = m;
            }
        }
        const joint_view view = builder.build(d, lo, hi);
        const double value =
            estimator.goal_and_gradient(view, weights, g.h_res_weight, builder.gradient);
        benchmark::DoNotOptimize(value);
        cells_sum += static_cast<double>(view.n_cells());
        builder.finish();
        benchmark::DoNotOptimize(builder.delta.data());
    }
    state.counters["occupied_cells"] =
        benchmark::Counter(cells_sum / static_cast<double>(state.iterations()));
    state.counters["neuron_batches/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_TrivariateNeuronBatch(benchmark::State& state) { run(state, 3, trivariate_goal(), false); }
void BM_ReadoutNeuronBatch(benchmark::State& state) { run(state, 2, readout_goal(), true); }

// The estimator alone on one fixed histogram (value only, every antichain).
void BM_TrivariateEvaluateOnly(benchmark::State& state) {
    const neuron_batch d = make_batch(3, 8.0, 1000);
    histogram_builder builder(3);
    const std::vector<double> lo(3, -20.0), hi(3, 20.0);
    const joint_view view = builder.build(d, lo, hi);
    shared_exclusion_pid estimator(3);
    for (auto _ : state) {
        auto values = estimator.evaluate(view);
        benchmark::DoNotOptimize(values.atoms.data());
    }
    state.counters["occupied_cells"] = static_cast<double>(view.n_cells());
}

BENCHMARK(BM_TrivariateNeuronBatch)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ReadoutNeuronBatch)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_TrivariateEvaluateOnly)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

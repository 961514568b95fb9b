// Throughput of the layer's fixed-order kernels at the shapes training uses (batch 1024):
//   dense  : the receptive class of a hidden layer, 784 image inputs, N neurons;
//   sparse : the lateral class, 100 random partners per neuron out of N, from floats and from
//            packed activity (_bits, what training uses);
//   readout: 10 neurons reading 784 inputs (the readout-only model).
// Reports GFLOP/s as a counter (2 flops per multiply-add actually needed).
//
//   build/bench/bench_kernels --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

#include <infomorph/model/activity_packing.hpp>
#include "model/kernels.hpp"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

namespace {

using namespace infomorph;

constexpr std::size_t batch = 1024;

std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
}

std::vector<std::uint32_t> random_partners(std::size_t n, std::size_t fan_in) {
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::uint32_t> u(0, static_cast<std::uint32_t>(n - 1));
    std::vector<std::uint32_t> p(n * fan_in);
    for (auto& x : p) x = u(rng);
    return p;
}

void set_flops(benchmark::State& state, double multiply_adds) {
    state.counters["GFLOP/s"] = benchmark::Counter(
        2.0 * multiply_adds * static_cast<double>(state.iterations()) * 1e-9,
        benchmark::Counter::kIsRate);
}

void dense_drive(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0)), inputs = std::size_t{784};
    const auto input = random_values(inputs * batch, 1), weight = random_values(n * inputs, 2);
    const auto bias = random_values(n, 3);
    std::vector<float> out(n * batch);
    for (auto _ : state) {
        kernels::dense_drive(input.data(), inputs, batch, weight.data(), n, bias.data(),
                             out.data());
        benchmark::DoNotOptimize(out.data());
    }
    set_flops(state, static_cast<double>(n * inputs * batch));
}

void dense_gradient(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0)), inputs = std::size_t{784};
    const auto input = random_values(inputs * batch, 1), slope = random_values(n * batch, 2);
    std::vector<float> grad(n * inputs), bias_grad(n);
    for (auto _ : state) {
        kernels::dense_weight_gradient(slope.data(), n, batch, input.data(), inputs, grad.data(),
                                       bias_grad.data());
        benchmark::DoNotOptimize(grad.data());
    }
    set_flops(state, static_cast<double>(n * inputs * batch));
}

// The lateral class at N neurons: 100 random partners each, reading +-1 activity, held both
// as floats and packed (what training uses); the same data for all four sparse benchmarks.
struct sparse_problem {
    std::size_t n, fan_in = 100;
    std::vector<float> values, weight, bias, slope;
    std::vector<std::uint64_t> packed;
    std::vector<std::uint32_t> partner;

    explicit sparse_problem(std::size_t neurons)
        : n(neurons), values(random_values(n * batch, 1)), weight(random_values(n * fan_in, 2)),
          bias(random_values(n, 3)), slope(random_values(n * batch, 4)),
          packed(n * words_per_neuron(batch)), partner(random_partners(n, fan_in)) {
        for (float& x : values) x = x < 0 ? -1.0f : 1.0f;
        pack_activity(values, batch, packed);
    }
    double multiply_adds() const { return static_cast<double>(n * fan_in * batch); }
};

template <bool packed>
void sparse_drive(benchmark::State& state) {
    const sparse_problem p(static_cast<std::size_t>(state.range(0)));
    std::vector<float> out(p.n * batch);
    for (auto _ : state) {
        if constexpr (packed)
            kernels::sparse_drive_bits(p.packed.data(), batch, p.partner.data(), p.weight.data(),
                                       p.n, p.fan_in, p.bias.data(), out.data());
        else
            kernels::sparse_drive(p.values.data(), batch, p.partner.data(), p.weight.data(), p.n,
                                  p.fan_in, p.bias.data(), out.data());
        benchmark::DoNotOptimize(out.data());
    }
    set_flops(state, p.multiply_adds());
}

template <bool packed>
void sparse_gradient(benchmark::State& state) {
    const sparse_problem p(static_cast<std::size_t>(state.range(0)));
    std::vector<float> grad(p.n * p.fan_in), bias_grad(p.n);
    for (auto _ : state) {
        if constexpr (packed)
            kernels::sparse_weight_gradient_bits(p.slope.data(), p.n, batch, p.packed.data(),
                                                 p.partner.data(), p.fan_in, grad.data(),
                                                 bias_grad.data());
        else
            kernels::sparse_weight_gradient(p.slope.data(), p.n, batch, p.values.data(),
                                            p.partner.data(), p.fan_in, grad.data(),
                                            bias_grad.data());
        benchmark::DoNotOptimize(grad.data());
    }
    set_flops(state, p.multiply_adds());
}

BENCHMARK(dense_drive)->Arg(10)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(dense_gradient)->Arg(10)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);
// Named as before (sparse_drive, sparse_drive_bits, ...) so that --benchmark_filter keeps working.
BENCHMARK(sparse_drive<false>)->Name("sparse_drive")->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_gradient<false>)->Name("sparse_gradient")->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_drive<true>)->Name("sparse_drive_bits")->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_gradient<true>)
    ->Name("sparse_gradient_bits")
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

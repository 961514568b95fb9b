// Throughput of the layer's fixed-order kernels at the shapes training uses (batch 1024):
//   dense  : the receptive class of a hidden layer, 784 image inputs, N neurons;
//   sparse : the lateral class, 100 random partners per neuron out of N, from floats and from
//            packed activity (_bits, what training uses);
//   readout: 10 neurons reading 784 inputs (the readout-only model).
// Reports GFLOP/s as a counter (2 flops per multiply-add actually needed).
//
//   build/bench/bench_kernels --benchmark_repetitions=3 --benchmark_report_aggregates_only=true

#include <infomorph/model/activity_packing.hpp>
#include <infomorph/model/kernels.hpp>

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

void sparse_drive(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0)), fan_in = std::size_t{100};
    const auto input = random_values(n * batch, 1), weight = random_values(n * fan_in, 2);
    const auto bias = random_values(n, 3);
    const auto partner = random_partners(n, fan_in);
    std::vector<float> out(n * batch);
    for (auto _ : state) {
        kernels::sparse_drive(input.data(), batch, partner.data(), weight.data(), n, fan_in,
                              bias.data(), out.data());
        benchmark::DoNotOptimize(out.data());
    }
    set_flops(state, static_cast<double>(n * fan_in * batch));
}

void sparse_gradient(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0)), fan_in = std::size_t{100};
    const auto input = random_values(n * batch, 1), slope = random_values(n * batch, 2);
    const auto partner = random_partners(n, fan_in);
    std::vector<float> grad(n * fan_in), bias_grad(n);
    for (auto _ : state) {
        kernels::sparse_weight_gradient(slope.data(), n, batch, input.data(), partner.data(),
                                        fan_in, grad.data(), bias_grad.data());
        benchmark::DoNotOptimize(grad.data());
    }
    set_flops(state, static_cast<double>(n * fan_in * batch));
}

// The lateral input as the network holds it: +-1 activity, packed.
std::vector<std::uint64_t> packed_activity(std::size_t n, std::uint64_t seed) {
    std::vector<float> values = random_values(n * batch, seed);
    for (float& x : values) x = x < 0 ? -1.0f : 1.0f;
    std::vector<std::uint64_t> words(n * words_per_neuron(batch));
    pack_activity(values, batch, words);
    return words;
}

void sparse_drive_bits(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0)), fan_in = std::size_t{100};
    const auto input = packed_activity(n, 1);
    const auto weight = random_values(n * fan_in, 2), bias = random_values(n, 3);
    const auto partner = random_partners(n, fan_in);
    std::vector<float> out(n * batch);
    for (auto _ : state) {
        kernels::sparse_drive_bits(input.data(), batch, partner.data(), weight.data(), n, fan_in,
                                   bias.data(), out.data());
        benchmark::DoNotOptimize(out.data());
    }
    set_flops(state, static_cast<double>(n * fan_in * batch));
}

void sparse_gradient_bits(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0)), fan_in = std::size_t{100};
    const auto input = packed_activity(n, 1);
    const auto slope = random_values(n * batch, 2);
    const auto partner = random_partners(n, fan_in);
    std::vector<float> grad(n * fan_in), bias_grad(n);
    for (auto _ : state) {
        kernels::sparse_weight_gradient_bits(slope.data(), n, batch, input.data(), partner.data(),
                                             fan_in, grad.data(), bias_grad.data());
        benchmark::DoNotOptimize(grad.data());
    }
    set_flops(state, static_cast<double>(n * fan_in * batch));
}

BENCHMARK(dense_drive)->Arg(10)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(dense_gradient)->Arg(10)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_drive)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_gradient)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_drive_bits)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(sparse_gradient_bits)->Arg(2000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

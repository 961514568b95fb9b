#include <infomorph/model/kernels.hpp>

#include <algorithm>
#include <cstring>

namespace infomorph::kernels {
namespace {

// Samples handled together in the drive kernels: a multiple of every SIMD width in use, small
// enough that the accumulators of four neurons stay in registers.
constexpr std::size_t sample_block = 32;
constexpr std::size_t neuron_block = 4;

// Accumulates rows [0, n_neurons_here) x samples [b0, b0 + width) over all inputs in order.
template <bool Sparse, std::size_t Width>
void drive_block(const float* input, std::size_t n_inputs, std::size_t batch, const float* weight,
                 std::size_t n_weights_per_row, std::size_t j0, std::size_t n_here,
                 const std::uint32_t* partner, const float* bias, std::size_t b0, float* out) {
    float acc[neuron_block][Width];
    for (std::size_t jj = 0; jj < neuron_block; ++jj)
        for (std::size_t s = 0; s < Width; ++s)
            acc[jj][s] = (jj < n_here && bias) ? bias[j0 + jj] : 0.0f;
    for (std::size_t k = 0; k < n_inputs; ++k) {
        for (std::size_t jj = 0; jj < neuron_block; ++jj) {
            if (jj >= n_here) break;
            const std::size_t j = j0 + jj;
            std::size_t source = k;
            if constexpr (Sparse) source = partner[j * n_inputs + k];
            const float w = weight[j * n_weights_per_row + k];
            const float* x = input + source * batch + b0;
            for (std::size_t s = 0; s < Width; ++s) acc[jj][s] += w * x[s];
        }
    }
    for (std::size_t jj = 0; jj < n_here; ++jj)
        std::memcpy(out + (j0 + jj) * batch + b0, acc[jj], Width * sizeof(float));
}

template <bool Sparse>
void drive(const float* input, std::size_t n_inputs, std::size_t batch, const float* weight,
           std::size_t n_neurons, const std::uint32_t* partner, const float* bias, float* out) {
    for (std::size_t j0 = 0; j0 < n_neurons; j0 += neuron_block) {
        const std::size_t n_here = std::min(neuron_block, n_neurons - j0);
        std::size_t b0 = 0;
        for (; b0 + sample_block <= batch; b0 += sample_block)
            drive_block<Sparse, sample_block>(input, n_inputs, batch, weight, n_inputs, j0, n_here,
                                      partner, bias, b0, out);
        // The tail runs the same per-sample arithmetic one sample at a time.
        for (; b0 < batch; ++b0)
            drive_block<Sparse, 1>(input, n_inputs, batch, weight, n_inputs, j0, n_here, partner, bias,
                           b0, out);
    }
}

constexpr std::size_t dot_lanes = 32;

// Lane s of the partial sums takes elements s, s + 32, s + 64, ...; the lanes are then combined
// in a fixed binary tree. Written so the compiler vectorises the lanes without reordering sums.
float combine_lanes(float* partial) {
    for (std::size_t width = dot_lanes / 2; width > 0; width /= 2)
        for (std::size_t s = 0; s < width; ++s) partial[s] += partial[s + width];
    return partial[0];
}

void dot4(const float* const a[4], const float* b, std::size_t n, float out[4]) {
    float partial[4][dot_lanes] = {};
    std::size_t i = 0;
    for (; i + dot_lanes <= n; i += dot_lanes)
        for (std::size_t r = 0; r < 4; ++r)
            for (std::size_t s = 0; s < dot_lanes; ++s) partial[r][s] += a[r][i + s] * b[i + s];
    for (std::size_t r = 0; r < 4; ++r) {
        for (std::size_t k = i, s = 0; k < n; ++k, ++s) partial[r][s] += a[r][k] * b[k];
        out[r] = combine_lanes(partial[r]);
    }
}

}  // namespace

float sum(const float* a, std::size_t n) {
    float partial[dot_lanes] = {};
    std::size_t i = 0;
    for (; i + dot_lanes <= n; i += dot_lanes)
        for (std::size_t s = 0; s < dot_lanes; ++s) partial[s] += a[i + s];
    for (std::size_t s = 0; i < n; ++i, ++s) partial[s] += a[i];
    return combine_lanes(partial);
}

float dot(const float* a, const float* b, std::size_t n) {
    float partial[dot_lanes] = {};
    std::size_t i = 0;
    for (; i + dot_lanes <= n; i += dot_lanes)
        for (std::size_t s = 0; s < dot_lanes; ++s) partial[s] += a[i + s] * b[i + s];
    for (std::size_t s = 0; i < n; ++i, ++s) partial[s] += a[i] * b[i];
    return combine_lanes(partial);
}

void dense_drive(const float* input, std::size_t n_inputs, std::size_t batch, const float* weight,
                 std::size_t n_neurons, const float* bias, float* out) {
    drive<false>(input, n_inputs, batch, weight, n_neurons, nullptr, bias, out);
}

void sparse_drive(const float* input, std::size_t batch, const std::uint32_t* partner,
                  const float* weight, std::size_t n_neurons, std::size_t fan_in, const float* bias,
                  float* out) {
    drive<true>(input, fan_in, batch, weight, n_neurons, partner, bias, out);
}

void dense_weight_gradient(const float* slope, std::size_t n_neurons, std::size_t batch,
                           const float* input, std::size_t n_inputs, float* grad,
                           float* bias_grad) {
    // Four neurons share each pass over an input row. A last block of fewer neurons repeats its
    // last row and drops the extra results, so every weight's sum is computed by the same code
    // whatever the blocking (which matters once the compiler fuses multiply-adds).
    for (std::size_t j0 = 0; j0 < n_neurons; j0 += 4) {
        const std::size_t n_here = std::min<std::size_t>(4, n_neurons - j0);
        const float* s[4];
        for (std::size_t jj = 0; jj < 4; ++jj) s[jj] = slope + (j0 + std::min(jj, n_here - 1)) * batch;
        for (std::size_t i = 0; i < n_inputs; ++i) {
            float out[4];
            dot4(s, input + i * batch, batch, out);
            for (std::size_t jj = 0; jj < n_here; ++jj) grad[(j0 + jj) * n_inputs + i] = out[jj];
        }
    }
    if (bias_grad)
        for (std::size_t j = 0; j < n_neurons; ++j) bias_grad[j] = sum(slope + j * batch, batch);
}

void sparse_weight_gradient(const float* slope, std::size_t n_neurons, std::size_t batch,
                            const float* input, const std::uint32_t* partner, std::size_t fan_in,
                            float* grad, float* bias_grad) {
    for (std::size_t j = 0; j < n_neurons; ++j) {
        const float* s = slope + j * batch;
        for (std::size_t k = 0; k < fan_in; ++k)
            grad[j * fan_in + k] = dot(s, input + partner[j * fan_in + k] * batch, batch);
    }
    if (bias_grad)
        for (std::size_t j = 0; j < n_neurons; ++j) bias_grad[j] = sum(slope + j * batch, batch);
}

}  // namespace infomorph::kernels

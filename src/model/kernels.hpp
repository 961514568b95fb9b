#pragma once
// The dense and sparse products of a layer, written with a summation order that is fixed by the
// code alone: it does not depend on how many neurons a rank owns, on blocking heuristics or on the
// thread count. This is what makes weights bit-identical at any number of MPI ranks.
//
// Layouts: activity and drives are neuron-major, one contiguous row of batch_size values per
// neuron or input ("input x batch"); weights are row-major, one row per neuron.

#include <cstddef>
#include <cstdint>
#include <span>

namespace infomorph::kernels {

// out[j][b] = bias[j] + sum over i in order of weight[j][i] * input[i][b]
// input: n_inputs x batch, weight: n_neurons x n_inputs, bias: n_neurons (or empty for none),
// out: n_neurons x batch.
void dense_drive(const float* input, std::size_t n_inputs, std::size_t batch, const float* weight,
                 std::size_t n_neurons, const float* bias, float* out);

// The same for the samples [first_sample, last_sample) only; first_sample must be a multiple of
// sample_alignment. Lets threads split a batch when a layer has few neurons: each sample's sum
// is computed exactly as by dense_drive.
void dense_drive_samples(const float* input, std::size_t n_inputs, std::size_t batch,
                         const float* weight, std::size_t n_neurons, const float* bias, float* out,
                         std::size_t first_sample, std::size_t last_sample);
inline constexpr std::size_t sample_alignment = 16;

// dense_drive and dense_drive_samples with the input given as packed +-1 activity (one row of
// words_per_neuron(batch) words per input, activity_packing.hpp): bit-identical to them on the
// unpacked floats (the same products, +-weight exactly, in the same order). A dense reader of a
// layer (a readout over N hidden neurons) then needs the layer's bits only, N x batch / 8 bytes,
// not N x batch floats.
void dense_drive_bits(const std::uint64_t* words, std::size_t n_inputs, std::size_t batch,
                      const float* weight, std::size_t n_neurons, const float* bias, float* out);
void dense_drive_samples_bits(const std::uint64_t* words, std::size_t n_inputs,
                              std::size_t batch, const float* weight, std::size_t n_neurons,
                              const float* bias, float* out, std::size_t first_sample,
                              std::size_t last_sample);

// A multiple of the dense kernels' neuron blocks (6 for the drive, 3 for the weight gradient):
// splitting neurons between threads at multiples of it leaves no thread a partial block.
inline constexpr std::size_t neuron_alignment = 6;

// out[j][b] = bias[j] + sum over k in order of weight[j][k] * input[partner[j][k]][b]
// partner, weight: n_neurons x fan_in.
void sparse_drive(const float* input, std::size_t batch, const std::uint32_t* partner,
                  const float* weight, std::size_t n_neurons, std::size_t fan_in, const float* bias,
                  float* out);

// sparse_drive with the input given as packed +-1 activity (activity_packing.hpp: one row of
// words_per_neuron(batch) words per input neuron). Bit-identical to sparse_drive on the
// unpacked floats: every product is +-weight exactly, summed in the same order.
void sparse_drive_bits(const std::uint64_t* words, std::size_t batch,
                       const std::uint32_t* partner, const float* weight, std::size_t n_neurons,
                       std::size_t fan_in, const float* bias, float* out);

// grad[j][i] = sum over b of slope[j][b] * input[i][b], and bias_grad[j] = sum over b of
// slope[j][b] (if bias_grad is not null). slope: n_neurons x batch.
void dense_weight_gradient(const float* slope, std::size_t n_neurons, std::size_t batch,
                           const float* input, std::size_t n_inputs, float* grad, float* bias_grad);

// The same for the inputs [first_input, last_input) only (grad keeps its n_neurons x n_inputs
// layout; bias_grad is not touched). Lets threads split the inputs when a layer has few neurons.
void dense_weight_gradient_inputs(const float* slope, std::size_t n_neurons, std::size_t batch,
                                  const float* input, std::size_t n_inputs, float* grad,
                                  std::size_t first_input, std::size_t last_input);

// dense_weight_gradient and dense_weight_gradient_inputs with the input given as packed +-1
// activity; bit-identical to them on the unpacked floats.
void dense_weight_gradient_bits(const float* slope, std::size_t n_neurons, std::size_t batch,
                                const std::uint64_t* words, std::size_t n_inputs, float* grad,
                                float* bias_grad);
void dense_weight_gradient_inputs_bits(const float* slope, std::size_t n_neurons,
                                       std::size_t batch, const std::uint64_t* words,
                                       std::size_t n_inputs, float* grad, std::size_t first_input,
                                       std::size_t last_input);

// grad[j][k] = sum over b of slope[j][b] * input[partner[j][k]][b]
void sparse_weight_gradient(const float* slope, std::size_t n_neurons, std::size_t batch,
                            const float* input, const std::uint32_t* partner, std::size_t fan_in,
                            float* grad, float* bias_grad);

// sparse_weight_gradient with the input given as packed +-1 activity; bit-identical to it.
void sparse_weight_gradient_bits(const float* slope, std::size_t n_neurons, std::size_t batch,
                                 const std::uint64_t* words, const std::uint32_t* partner,
                                 std::size_t fan_in, float* grad, float* bias_grad);

// sum over b of a[b], in the same lane order as dot.
float sum(const float* a, std::size_t n);

// The same fixed-order dot product everywhere: 16 partial sums in lanes, combined in a fixed tree.
float dot(const float* a, const float* b, std::size_t n);

}  // namespace infomorph::kernels

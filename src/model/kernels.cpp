#include "model/kernels.hpp"

#include <infomorph/model/activity_packing.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <span>
#include <vector>

// Every quantity below is computed by the same line of code whatever the neuron blocking, the
// thread or the rank: blocks of fewer neurons repeat their last neuron and drop the extra
// results. With fused multiply-adds allowed, that is what keeps results bit-identical across
// partitions (two different code sites may fuse differently).

namespace infomorph::kernels {
namespace {

constexpr std::size_t neuron_block = 4;  // rows of the dot products
// Neurons of a dense drive block: 6 x 2 registers of accumulators leave enough independent
// multiply-adds in flight to hide their latency (4 x 2 did not), within the 16 AVX registers.
constexpr std::size_t drive_block = 6;
// A dense weight-gradient block: 3 neurons x 4 inputs of accumulators, 7 row loads per 12
// multiply-adds (in one bench_kernels sweep 4 x 2, 4 x 3, 6 x 2 and 2 x 6 were all slower).
constexpr std::size_t gradient_block = 3;
constexpr std::size_t gradient_inputs = 4;
// Input rows per pass of the dense weight gradient (256 KB of floats at a batch of 1024).
constexpr std::size_t gradient_input_chunk = 64;
static_assert(neuron_alignment % drive_block == 0 && neuron_alignment % gradient_block == 0);
constexpr std::size_t sample_block = 16;  // two AVX registers of floats
constexpr std::size_t lanes = 16;         // partial sums of the dot products

// Eight floats in one (AVX) register; GCC and Clang vector extensions, so the arithmetic is
// exactly the scalar arithmetic applied lane by lane.
using float8 = float __attribute__((vector_size(32)));

float8 load8(const float* p) {
    float8 v;
    __builtin_memcpy(&v, p, sizeof v);
    return v;
}

void store8(float* p, float8 v) { __builtin_memcpy(p, &v, sizeof v); }

// out rows of a block of drive_block neurons over samples [b0, b0 + 16): bias + the sum over
// inputs k in order of weight * input. row(jj, k) is the input row read by neuron jj's k-th weight.
template <typename Row>
void drive_block16(std::size_t n_inputs, const float* const weight[drive_block],
                   const float bias[drive_block], Row&& row, std::size_t b0,
                   float* const out[drive_block], std::size_t n_here, std::size_t out_b0) {
    float8 lo[drive_block], hi[drive_block];
    for (std::size_t jj = 0; jj < drive_block; ++jj) lo[jj] = hi[jj] = float8{} + bias[jj];
    for (std::size_t k = 0; k < n_inputs; ++k) {
        for (std::size_t jj = 0; jj < drive_block; ++jj) {
            const float* x = row(jj, k) + b0;
            const float w = weight[jj][k];
            lo[jj] += w * load8(x);
            hi[jj] += w * load8(x + 8);
        }
    }
    for (std::size_t jj = 0; jj < n_here; ++jj) {
        store8(out[jj] + out_b0, lo[jj]);
        store8(out[jj] + out_b0 + 8, hi[jj]);
    }
}

// The same for one sample (the batch's tail).
template <typename Row>
void drive_block1(std::size_t n_inputs, const float* const weight[drive_block],
                  const float bias[drive_block], Row&& row, std::size_t b0,
                  float* const out[drive_block], std::size_t n_here, std::size_t out_b0) {
    for (std::size_t jj = 0; jj < n_here; ++jj) {
        float acc = bias[jj];
        for (std::size_t k = 0; k < n_inputs; ++k) acc += weight[jj][k] * row(jj, k)[b0];
        out[jj][out_b0] = acc;
    }
}

// Calls body(weights, biases, outputs, n_here, neuron ids) for every block of drive_block
// neurons; a last, smaller block repeats its last neuron (whose extra results are not stored).
template <typename Body>
void for_blocks(const float* weight, std::size_t n_inputs, std::size_t n_neurons,
                const float* bias, float* out, std::size_t batch, Body&& body) {
    for (std::size_t j0 = 0; j0 < n_neurons; j0 += drive_block) {
        const std::size_t n_here = std::min(drive_block, n_neurons - j0);
        const float* w[drive_block];
        float b[drive_block];
        float* o[drive_block];
        std::size_t j[drive_block];
        for (std::size_t jj = 0; jj < drive_block; ++jj) {
            j[jj] = j0 + std::min(jj, n_here - 1);
            w[jj] = weight + j[jj] * n_inputs;
            b[jj] = bias ? bias[j[jj]] : 0.0f;
            o[jj] = out + (j0 + jj) * batch;
        }
        body(w, b, o, n_here, j);
    }
}

// Lane s of the partial sums takes elements s, s + lanes, ...; the lanes are then combined in a
// fixed binary tree.
float combine_lanes(float* partial) {
    for (std::size_t width = lanes / 2; width > 0; width /= 2)
        for (std::size_t s = 0; s < width; ++s) partial[s] += partial[s + width];
    return partial[0];
}

// combine_lanes for the 16 lanes held in two registers, in SIMD: the same additions in the same
// tree (lanes s + 8, then s + 4, s + 2, s + 1), hence the same result.
using float4 = float __attribute__((vector_size(16)));

float combine_lanes(float8 lo, float8 hi) {
    const float8 w8 = lo + hi;
    const float4 w4 = __builtin_shufflevector(w8, w8, 0, 1, 2, 3) +
                      __builtin_shufflevector(w8, w8, 4, 5, 6, 7);
    const float4 w2 = w4 + __builtin_shufflevector(w4, w4, 2, 3, 2, 3);
    return w2[0] + w2[1];
}

// out[r] = sum over i of a[r][i] * b[i], R dot products sharing the loads of b. The lane
// layout (two float8 registers = 16 lanes) and the final tree are those of dot(), whatever R.
template <std::size_t R>
void dot_rows(const float* const a[R], const float* b, std::size_t n, float out[R]) {
    float8 lo[R] = {}, hi[R] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const float8 b_lo = load8(b + i), b_hi = load8(b + i + 8);
        for (std::size_t r = 0; r < R; ++r) {
            lo[r] += load8(a[r] + i) * b_lo;
            hi[r] += load8(a[r] + i + 8) * b_hi;
        }
    }
    if (i == n) {  // no tail: the common case of a batch that is a multiple of 16
        for (std::size_t r = 0; r < R; ++r) out[r] = combine_lanes(lo[r], hi[r]);
        return;
    }
    for (std::size_t r = 0; r < R; ++r) {
        float partial[lanes];
        store8(partial, lo[r]);
        store8(partial + 8, hi[r]);
        for (std::size_t k = i, s = 0; k < n; ++k, ++s) partial[s] += a[r][k] * b[k];
        out[r] = combine_lanes(partial);
    }
}

// The dot products of R rows a[r] with C rows b[c] at once, for n a multiple of 16: out[r][c]
// equals dot_rows's result bit for bit. Lanes 0-7 and lanes 8-15 of the 16 partial sums are
// accumulated in two passes (each lane still takes its elements in order), so that R x C
// accumulators, the C b values and one a value fit in registers and every load of a feeds C
// multiply-adds.
template <std::size_t R, std::size_t C>
void dot_rows_cols(const float* const a[R], const float* const b[C], std::size_t n,
                   float out[R][C]) {
    float8 half[2][R][C];
    for (std::size_t h = 0; h < 2; ++h) {
        float8 acc[R][C] = {};
        for (std::size_t i = 8 * h; i < n; i += lanes) {
            float8 u[C];
            for (std::size_t c = 0; c < C; ++c) u[c] = load8(b[c] + i);
            for (std::size_t r = 0; r < R; ++r) {
                const float8 w = load8(a[r] + i);
                for (std::size_t c = 0; c < C; ++c) acc[r][c] += w * u[c];
            }
        }
        for (std::size_t r = 0; r < R; ++r)
            for (std::size_t c = 0; c < C; ++c) half[h][r][c] = acc[r][c];
    }
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t c = 0; c < C; ++c) out[r][c] = combine_lanes(half[0][r][c], half[1][r][c]);
}

// Packed activity read as +-1 floats. Byte c of a neuron's packed row holds samples 8c..8c+7
// (bit i = sample 8c + i, set = +1) on a little-endian machine; entry v of the table is those
// eight signs for byte value v, so one load from this 8 KB table replaces eight scattered floats.
static_assert(std::endian::native == std::endian::little, "packed activity is read as bytes");

using byte_signs = std::array<std::array<float, 8>, 256>;

constexpr byte_signs make_byte_signs() {
    byte_signs table{};
    for (std::size_t v = 0; v < 256; ++v)
        for (std::size_t i = 0; i < 8; ++i) table[v][i] = (v >> i) & 1 ? 1.0f : -1.0f;
    return table;
}

// A constant, not a function-local static: no initialisation guard in the inner loops.
alignas(64) constexpr byte_signs signs_table = make_byte_signs();

const float* signs_of_byte(std::uint8_t byte) { return signs_table[byte].data(); }

float sign_of_sample(const std::uint8_t* row, std::size_t b) {
    return (row[b / 8] >> (b % 8)) & 1 ? 1.0f : -1.0f;
}

const std::uint8_t* packed_row(const std::uint64_t* words, std::size_t neuron, std::size_t batch) {
    return reinterpret_cast<const std::uint8_t*>(words + neuron * words_per_neuron(batch));
}

// dot_rows<neuron_block> with the rows a[r] given as packed +-1 activity: the same lanes, the
// same order and, since every product is +-b exactly, the same bits.
void dot_sign_rows(const std::uint8_t* const a[neuron_block], const float* b, std::size_t n,
                   float out[neuron_block]) {
    float8 lo[neuron_block] = {}, hi[neuron_block] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        const float8 b_lo = load8(b + i), b_hi = load8(b + i + 8);
        for (std::size_t r = 0; r < neuron_block; ++r) {
            lo[r] += load8(signs_of_byte(a[r][i / 8])) * b_lo;
            hi[r] += load8(signs_of_byte(a[r][i / 8 + 1])) * b_hi;
        }
    }
    for (std::size_t r = 0; r < neuron_block; ++r) {
        if (i == n) {
            out[r] = combine_lanes(lo[r], hi[r]);
            continue;
        }
        float partial[lanes];
        store8(partial, lo[r]);
        store8(partial + 8, hi[r]);
        for (std::size_t k = i, s = 0; k < n; ++k, ++s)
            partial[s] += sign_of_sample(a[r], k) * b[k];
        out[r] = combine_lanes(partial);
    }
}

}  // namespace

float sum(const float* a, std::size_t n) {
    float8 lo = {}, hi = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes) {
        lo += load8(a + i);
        hi += load8(a + i + 8);
    }
    float partial[lanes];
    store8(partial, lo);
    store8(partial + 8, hi);
    for (std::size_t s = 0; i < n; ++i, ++s) partial[s] += a[i];
    return combine_lanes(partial);
}

float dot(const float* a, const float* b, std::size_t n) {
    const float* rows[neuron_block] = {a, a, a, a};
    float out[neuron_block];
    dot_rows<neuron_block>(rows, b, n, out);
    return out[0];
}

void dense_drive(const float* input, std::size_t n_inputs, std::size_t batch, const float* weight,
                 std::size_t n_neurons, const float* bias, float* out) {
    dense_drive_samples(input, n_inputs, batch, weight, n_neurons, bias, out, 0, batch);
}

namespace {

// dense_drive_samples over an input given by its accessors: copy16(k, b0, to) writes samples
// [b0, b0 + 16) of input row k to `to`, value(k, b) is one sample. Floats and packed +-1
// activity (unpacked into the same 16-sample block) then run the very same arithmetic.
template <typename Copy16, typename Value>
void dense_drive_samples_from(Copy16&& copy16, Value&& value, std::size_t n_inputs,
                              std::size_t batch, const float* weight, std::size_t n_neurons,
                              const float* bias, float* out, std::size_t first_sample,
                              std::size_t last_sample) {
    static_assert(sample_alignment == sample_block);
    // Samples outermost: the 16 samples of every input are packed contiguously once and then
    // read by every neuron block from cache, instead of walking the whole input (rows 4 KB
    // apart) once per block of neurons.
    std::vector<float> packed(n_inputs * sample_block);
    std::size_t b0 = first_sample;
    for (; b0 + sample_block <= last_sample; b0 += sample_block) {
        for (std::size_t k = 0; k < n_inputs; ++k) copy16(k, b0, packed.data() + k * sample_block);
        for_blocks(weight, n_inputs, n_neurons, bias, out, batch, [&](auto& w, auto& b, auto& o,
                                                                      std::size_t n_here, auto&) {
            drive_block16(n_inputs, w, b, [&](std::size_t, std::size_t k) {
                return packed.data() + k * sample_block;
            }, 0, o, n_here, b0);
        });
    }
    std::vector<float> column(n_inputs);
    for (; b0 < last_sample; ++b0) {
        for (std::size_t k = 0; k < n_inputs; ++k) column[k] = value(k, b0);
        for_blocks(weight, n_inputs, n_neurons, bias, out, batch, [&](auto& w, auto& b, auto& o,
                                                                      std::size_t n_here, auto&) {
            drive_block1(n_inputs, w, b, [&](std::size_t, std::size_t k) {
                return column.data() + k;
            }, 0, o, n_here, b0);
        });
    }
}

}  // namespace

void dense_drive_samples(const float* input, std::size_t n_inputs, std::size_t batch,
                         const float* weight, std::size_t n_neurons, const float* bias, float* out,
                         std::size_t first_sample, std::size_t last_sample) {
    dense_drive_samples_from(
        [&](std::size_t k, std::size_t b0, float* to) {
            std::copy_n(input + k * batch + b0, sample_block, to);
        },
        [&](std::size_t k, std::size_t b) { return input[k * batch + b]; }, n_inputs, batch,
        weight, n_neurons, bias, out, first_sample, last_sample);
}

void dense_drive_bits(const std::uint64_t* words, std::size_t n_inputs, std::size_t batch,
                      const float* weight, std::size_t n_neurons, const float* bias, float* out) {
    dense_drive_samples_bits(words, n_inputs, batch, weight, n_neurons, bias, out, 0, batch);
}

void dense_drive_samples_bits(const std::uint64_t* words, std::size_t n_inputs,
                              std::size_t batch, const float* weight, std::size_t n_neurons,
                              const float* bias, float* out, std::size_t first_sample,
                              std::size_t last_sample) {
    dense_drive_samples_from(
        [&](std::size_t k, std::size_t b0, float* to) {
            const std::uint8_t* row = packed_row(words, k, batch) + b0 / 8;
            std::copy_n(signs_of_byte(row[0]), 8, to);
            std::copy_n(signs_of_byte(row[1]), 8, to + 8);
        },
        [&](std::size_t k, std::size_t b) { return sign_of_sample(packed_row(words, k, batch), b); },
        n_inputs, batch, weight, n_neurons, bias, out, first_sample, last_sample);
}

void sparse_drive(const float* input, std::size_t batch, const std::uint32_t* partner,
                  const float* weight, std::size_t n_neurons, std::size_t fan_in, const float* bias,
                  float* out) {
    // One neuron at a time over whole rows: its accumulator row stays in L1 while its partners'
    // rows stream through sequentially (reading 16 samples of a random row at a time left the
    // prefetchers nothing to follow). Four partners per pass over the accumulator row: each
    // sample's sum is still ((acc + w0 x0) + w1 x1) + ..., in k order, with a quarter of the
    // accumulator loads and stores.
    for (std::size_t j = 0; j < n_neurons; ++j) {
        float* acc = out + j * batch;
        std::fill_n(acc, batch, bias ? bias[j] : 0.0f);
        const float* w = weight + j * fan_in;
        const std::uint32_t* p = partner + j * fan_in;
        const auto row = [&](std::size_t k) { return input + static_cast<std::size_t>(p[k]) * batch; };
        std::size_t k = 0;
        for (; k + 4 <= fan_in; k += 4) {
            const float *x0 = row(k), *x1 = row(k + 1), *x2 = row(k + 2), *x3 = row(k + 3);
            const float w0 = w[k], w1 = w[k + 1], w2 = w[k + 2], w3 = w[k + 3];
            for (std::size_t b = 0; b < batch; ++b) {
                float a = acc[b];
                a += w0 * x0[b];
                a += w1 * x1[b];
                a += w2 * x2[b];
                a += w3 * x3[b];
                acc[b] = a;
            }
        }
        for (; k < fan_in; ++k) {
            const float* x = row(k);
            for (std::size_t b = 0; b < batch; ++b) acc[b] += w[k] * x[b];
        }
    }
}

void sparse_drive_bits(const std::uint64_t* words, std::size_t batch,
                       const std::uint32_t* partner, const float* weight, std::size_t n_neurons,
                       std::size_t fan_in, const float* bias, float* out) {
    // sparse_drive's loop with each partner's 8 samples from one table load: the partners' rows
    // are 32x smaller than as floats, and every sum is the same, in the same order.
    const std::size_t full_bytes = batch / 8;
    for (std::size_t j = 0; j < n_neurons; ++j) {
        float* acc = out + j * batch;
        std::fill_n(acc, batch, bias ? bias[j] : 0.0f);
        const float* w = weight + j * fan_in;
        const std::uint32_t* p = partner + j * fan_in;
        const auto row = [&](std::size_t k) { return packed_row(words, p[k], batch); };
        std::size_t k = 0;
        for (; k + 4 <= fan_in; k += 4) {
            const std::uint8_t *x0 = row(k), *x1 = row(k + 1), *x2 = row(k + 2), *x3 = row(k + 3);
            const float w0 = w[k], w1 = w[k + 1], w2 = w[k + 2], w3 = w[k + 3];
            for (std::size_t c = 0; c < full_bytes; ++c) {
                float8 a = load8(acc + 8 * c);
                a += w0 * load8(signs_of_byte(x0[c]));
                a += w1 * load8(signs_of_byte(x1[c]));
                a += w2 * load8(signs_of_byte(x2[c]));
                a += w3 * load8(signs_of_byte(x3[c]));
                store8(acc + 8 * c, a);
            }
            for (std::size_t b = 8 * full_bytes; b < batch; ++b) {
                float a = acc[b];
                a += w0 * sign_of_sample(x0, b);
                a += w1 * sign_of_sample(x1, b);
                a += w2 * sign_of_sample(x2, b);
                a += w3 * sign_of_sample(x3, b);
                acc[b] = a;
            }
        }
        for (; k < fan_in; ++k) {
            const std::uint8_t* x = row(k);
            for (std::size_t c = 0; c < full_bytes; ++c)
                store8(acc + 8 * c, load8(acc + 8 * c) + w[k] * load8(signs_of_byte(x[c])));
            for (std::size_t b = 8 * full_bytes; b < batch; ++b)
                acc[b] += w[k] * sign_of_sample(x, b);
        }
    }
}

namespace {

// bias_grad[j] = sum over b of slope[j][b], the bias gradient every weight-gradient kernel gives.
void bias_gradients(const float* slope, std::size_t n_neurons, std::size_t batch,
                    float* bias_grad) {
    for (std::size_t j = 0; j < n_neurons; ++j) bias_grad[j] = sum(slope + j * batch, batch);
}

}  // namespace

void dense_weight_gradient(const float* slope, std::size_t n_neurons, std::size_t batch,
                           const float* input, std::size_t n_inputs, float* grad,
                           float* bias_grad) {
    dense_weight_gradient_inputs(slope, n_neurons, batch, input, n_inputs, grad, 0, n_inputs);
    if (bias_grad) bias_gradients(slope, n_neurons, batch, bias_grad);
}

namespace {

// dense_weight_gradient_inputs over input rows given by rows(i0, i1): a pointer to rows
// [i0, i1) as floats (input x batch), valid until the next call.
template <typename Rows>
void dense_weight_gradient_from(Rows&& rows, const float* slope, std::size_t n_neurons,
                                std::size_t batch, std::size_t n_inputs, float* grad,
                                std::size_t first_input, std::size_t last_input) {
    // Chunks of input rows (256 KB at a batch of 1024) stay in cache while every block of
    // gradient_block neurons passes over them; its slope rows stay in cache across the chunk.
    for (std::size_t i0 = first_input; i0 < last_input; i0 += gradient_input_chunk) {
        const std::size_t i1 = std::min(last_input, i0 + gradient_input_chunk);
        const float* input = rows(i0, i1) - i0 * batch;  // indexed by the input's own number
        for (std::size_t j0 = 0; j0 < n_neurons; j0 += gradient_block) {
            const std::size_t n_here = std::min(gradient_block, n_neurons - j0);
            const float* s[gradient_block];
            for (std::size_t jj = 0; jj < gradient_block; ++jj)
                s[jj] = slope + (j0 + std::min(jj, n_here - 1)) * batch;
            std::size_t i = i0;
            if (batch % lanes == 0) {  // gradient_inputs at a time; the same sums as dot_rows
                for (; i + gradient_inputs <= i1; i += gradient_inputs) {
                    const float* x[gradient_inputs];
                    for (std::size_t c = 0; c < gradient_inputs; ++c)
                        x[c] = input + (i + c) * batch;
                    float out[gradient_block][gradient_inputs];
                    dot_rows_cols<gradient_block, gradient_inputs>(s, x, batch, out);
                    for (std::size_t jj = 0; jj < n_here; ++jj)
                        for (std::size_t c = 0; c < gradient_inputs; ++c)
                            grad[(j0 + jj) * n_inputs + i + c] = out[jj][c];
                }
            }
            for (; i < i1; ++i) {
                float out[gradient_block];
                dot_rows<gradient_block>(s, input + i * batch, batch, out);
                for (std::size_t jj = 0; jj < n_here; ++jj)
                    grad[(j0 + jj) * n_inputs + i] = out[jj];
            }
        }
    }
}

}  // namespace

void dense_weight_gradient_inputs(const float* slope, std::size_t n_neurons, std::size_t batch,
                                  const float* input, std::size_t n_inputs, float* grad,
                                  std::size_t first_input, std::size_t last_input) {
    dense_weight_gradient_from([&](std::size_t i0, std::size_t) { return input + i0 * batch; },
                               slope, n_neurons, batch, n_inputs, grad, first_input, last_input);
}

void dense_weight_gradient_bits(const float* slope, std::size_t n_neurons, std::size_t batch,
                                const std::uint64_t* words, std::size_t n_inputs, float* grad,
                                float* bias_grad) {
    dense_weight_gradient_inputs_bits(slope, n_neurons, batch, words, n_inputs, grad, 0,
                                      n_inputs);
    if (bias_grad) bias_gradients(slope, n_neurons, batch, bias_grad);
}

void dense_weight_gradient_inputs_bits(const float* slope, std::size_t n_neurons,
                                       std::size_t batch, const std::uint64_t* words,
                                       std::size_t n_inputs, float* grad, std::size_t first_input,
                                       std::size_t last_input) {
    // Each chunk of input rows unpacked to +-1.0f once (256 KB at a batch of 1024): the products
    // are those of the float kernel, so are the sums.
    const std::size_t per_row = words_per_neuron(batch);
    std::vector<float> unpacked(gradient_input_chunk * batch);
    dense_weight_gradient_from(
        [&](std::size_t i0, std::size_t i1) {
            const std::size_t rows = i1 - i0;
            unpack_activity(std::span<const std::uint64_t>(words + i0 * per_row, rows * per_row),
                            batch, std::span<float>(unpacked.data(), rows * batch));
            return unpacked.data();
        },
        slope, n_neurons, batch, n_inputs, grad, first_input, last_input);
}

void sparse_weight_gradient(const float* slope, std::size_t n_neurons, std::size_t batch,
                            const float* input, const std::uint32_t* partner, std::size_t fan_in,
                            float* grad, float* bias_grad) {
    // Four partners of a neuron share the loads of its slope row; each result is the dot()
    // of the slope and the partner's row (a last, smaller group repeats its last partner).
    for (std::size_t j = 0; j < n_neurons; ++j) {
        const float* s = slope + j * batch;
        const std::uint32_t* p = partner + j * fan_in;
        for (std::size_t k0 = 0; k0 < fan_in; k0 += neuron_block) {
            const std::size_t n_here = std::min(neuron_block, fan_in - k0);
            const float* rows[neuron_block];
            for (std::size_t kk = 0; kk < neuron_block; ++kk)
                rows[kk] = input + static_cast<std::size_t>(p[k0 + std::min(kk, n_here - 1)]) * batch;
            float out[neuron_block];
            dot_rows<neuron_block>(rows, s, batch, out);
            std::copy_n(out, n_here, grad + j * fan_in + k0);
        }
    }
    if (bias_grad) bias_gradients(slope, n_neurons, batch, bias_grad);
}

void sparse_weight_gradient_bits(const float* slope, std::size_t n_neurons, std::size_t batch,
                                 const std::uint64_t* words, const std::uint32_t* partner,
                                 std::size_t fan_in, float* grad, float* bias_grad) {
    // sparse_weight_gradient with the partners' rows read from packed activity.
    for (std::size_t j = 0; j < n_neurons; ++j) {
        const float* s = slope + j * batch;
        const std::uint32_t* p = partner + j * fan_in;
        for (std::size_t k0 = 0; k0 < fan_in; k0 += neuron_block) {
            const std::size_t n_here = std::min(neuron_block, fan_in - k0);
            const std::uint8_t* rows[neuron_block];
            for (std::size_t kk = 0; kk < neuron_block; ++kk)
                rows[kk] = packed_row(words, p[k0 + std::min(kk, n_here - 1)], batch);
            float out[neuron_block];
            dot_sign_rows(rows, s, batch, out);
            std::copy_n(out, n_here, grad + j * fan_in + k0);
        }
    }
    if (bias_grad) bias_gradients(slope, n_neurons, batch, bias_grad);
}

}  // namespace infomorph::kernels

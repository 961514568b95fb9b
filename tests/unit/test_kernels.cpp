// The fixed-order kernels: agreement with naive double-precision references, and bit-identical
// results whatever the neuron blocking (what makes MPI runs independent of the rank count).

#include <infomorph/model/activity_packing.hpp>
#include "model/kernels.hpp"

#include "same_bits.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace infomorph::kernels {
namespace {

using infomorph::testing::same_bits;

std::vector<float> random_vector(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
    std::uniform_real_distribution<float> u(-scale, scale);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}


const std::size_t batches[] = {1, 2, 15, 16, 17, 31, 32, 33, 64, 95, 1000};

// Neuron blockings of n neurons: all at once, one at a time, blocks of 3, blocks of 5.
std::vector<std::vector<std::size_t>> blockings(std::size_t n) {
    std::vector<std::vector<std::size_t>> result;
    for (std::size_t size : {n, std::size_t{1}, std::size_t{3}, std::size_t{5}}) {
        std::vector<std::size_t> starts;
        for (std::size_t j = 0; j < n; j += size) starts.push_back(j);
        starts.push_back(n);
        result.push_back(starts);
    }
    return result;
}

// Calls block(first, count) for each block of a blocking.
template <typename Block>
void for_blocks(const std::vector<std::size_t>& starts, Block&& block) {
    for (std::size_t s = 0; s + 1 < starts.size(); ++s) block(starts[s], starts[s + 1] - starts[s]);
}

// Every blocking of n_neurons gives the same bits: run(starts) calls the kernel block by block
// into fresh NaN-filled outputs and returns all it wrote.
template <typename Run>
void expect_same_bits_for_every_blocking(std::size_t n_neurons, std::size_t batch, Run&& run) {
    std::vector<float> reference;
    for (const auto& starts : blockings(n_neurons)) {
        const std::vector<float> out = run(starts);
        if (reference.empty())
            reference = out;
        else
            EXPECT_TRUE(same_bits(reference, out)) << "batch " << batch;
    }
}

struct dense_problem {
    std::size_t n_inputs, n_neurons, batch;
    std::vector<float> input, weight, bias;
};

dense_problem make_dense(std::size_t n_inputs, std::size_t n_neurons, std::size_t batch,
                         std::mt19937& rng) {
    return {n_inputs, n_neurons, batch, random_vector(n_inputs * batch, rng, 2.0f),
            random_vector(n_neurons * n_inputs, rng), random_vector(n_neurons, rng)};
}

TEST(Kernels, DenseDriveMatchesNaiveReference) {
    std::mt19937 rng(1);
    for (std::size_t batch : batches)
        for (bool with_bias : {true, false}) {
            const auto p = make_dense(37, 11, batch, rng);
            std::vector<float> out(p.n_neurons * batch, std::nanf(""));
            dense_drive(p.input.data(), p.n_inputs, batch, p.weight.data(), p.n_neurons,
                        with_bias ? p.bias.data() : nullptr, out.data());
            for (std::size_t j = 0; j < p.n_neurons; ++j)
                for (std::size_t b = 0; b < batch; ++b) {
                    double expected = with_bias ? p.bias[j] : 0.0;
                    double magnitude = std::abs(expected);
                    for (std::size_t i = 0; i < p.n_inputs; ++i) {
                        const double term = double{p.weight[j * p.n_inputs + i]} * p.input[i * batch + b];
                        expected += term;
                        magnitude += std::abs(term);
                    }
                    ASSERT_NEAR(out[j * batch + b], expected, 1e-6 * (1 + magnitude))
                        << "batch " << batch << " neuron " << j << " sample " << b;
                }
        }
}

TEST(Kernels, DenseDriveIsBitIdenticalUnderNeuronBlocking) {
    std::mt19937 rng(2);
    for (std::size_t batch : batches) {
        const auto p = make_dense(45, 13, batch, rng);
        expect_same_bits_for_every_blocking(p.n_neurons, batch, [&](const auto& starts) {
            std::vector<float> out(p.n_neurons * batch, std::nanf(""));
            for_blocks(starts, [&](std::size_t j0, std::size_t n_here) {
                dense_drive(p.input.data(), p.n_inputs, batch, p.weight.data() + j0 * p.n_inputs,
                            n_here, p.bias.data() + j0, out.data() + j0 * batch);
            });
            return out;
        });
    }
}

struct sparse_problem {
    std::size_t n_source, n_neurons, fan_in, batch;
    std::vector<float> input, weight, bias;
    std::vector<std::uint32_t> partner;
};

sparse_problem make_sparse(std::size_t n_source, std::size_t n_neurons, std::size_t fan_in,
                           std::size_t batch, std::mt19937& rng) {
    sparse_problem p{n_source, n_neurons, fan_in, batch, random_vector(n_source * batch, rng, 2.0f),
                     random_vector(n_neurons * fan_in, rng), random_vector(n_neurons, rng), {}};
    std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(n_source - 1));
    p.partner.resize(n_neurons * fan_in);
    for (auto& q : p.partner) q = pick(rng);
    return p;
}

TEST(Kernels, SparseDriveMatchesNaiveReference) {
    std::mt19937 rng(3);
    for (std::size_t batch : batches)
        for (bool with_bias : {true, false}) {
            const auto p = make_sparse(20, 9, 7, batch, rng);
            std::vector<float> out(p.n_neurons * batch, std::nanf(""));
            sparse_drive(p.input.data(), batch, p.partner.data(), p.weight.data(), p.n_neurons,
                         p.fan_in, with_bias ? p.bias.data() : nullptr, out.data());
            for (std::size_t j = 0; j < p.n_neurons; ++j)
                for (std::size_t b = 0; b < batch; ++b) {
                    double expected = with_bias ? p.bias[j] : 0.0;
                    double magnitude = std::abs(expected);
                    for (std::size_t k = 0; k < p.fan_in; ++k) {
                        const double term = double{p.weight[j * p.fan_in + k]} *
                                            p.input[p.partner[j * p.fan_in + k] * batch + b];
                        expected += term;
                        magnitude += std::abs(term);
                    }
                    ASSERT_NEAR(out[j * batch + b], expected, 1e-6 * (1 + magnitude))
                        << "batch " << batch << " neuron " << j << " sample " << b;
                }
        }
}

TEST(Kernels, SparseDriveIsBitIdenticalUnderNeuronBlocking) {
    std::mt19937 rng(4);
    for (std::size_t batch : batches) {
        const auto p = make_sparse(16, 11, 6, batch, rng);
        expect_same_bits_for_every_blocking(p.n_neurons, batch, [&](const auto& starts) {
            std::vector<float> out(p.n_neurons * batch, std::nanf(""));
            for_blocks(starts, [&](std::size_t j0, std::size_t n_here) {
                sparse_drive(p.input.data(), batch, p.partner.data() + j0 * p.fan_in,
                             p.weight.data() + j0 * p.fan_in, n_here, p.fan_in,
                             p.bias.data() + j0, out.data() + j0 * batch);
            });
            return out;
        });
    }
}

// A sparse layer whose partners are 0..n-1 in order computes the same sums as the dense kernel,
// up to rounding: bitwise equality is not promised between the two kernels (their tails, one
// sample at a time, are compiled separately and may fuse multiply-adds differently), only
// between blockings of the same kernel.
TEST(Kernels, SparseDriveWithAllPartnersInOrderAgreesWithDenseDrive) {
    std::mt19937 rng(5);
    for (std::size_t batch : batches) {
        const auto p = make_dense(10, 6, batch, rng);
        std::vector<std::uint32_t> partner(p.n_neurons * p.n_inputs);
        for (std::size_t j = 0; j < p.n_neurons; ++j)
            for (std::size_t i = 0; i < p.n_inputs; ++i)
                partner[j * p.n_inputs + i] = static_cast<std::uint32_t>(i);
        std::vector<float> dense(p.n_neurons * batch), sparse(p.n_neurons * batch);
        dense_drive(p.input.data(), p.n_inputs, batch, p.weight.data(), p.n_neurons,
                    p.bias.data(), dense.data());
        sparse_drive(p.input.data(), batch, partner.data(), p.weight.data(), p.n_neurons,
                     p.n_inputs, p.bias.data(), sparse.data());
        for (std::size_t i = 0; i < dense.size(); ++i)
            EXPECT_NEAR(dense[i], sparse[i], 1e-5f * (1 + std::abs(dense[i]))) << "batch " << batch;
    }
}

TEST(Kernels, DotAndSumMatchNaiveReference) {
    std::mt19937 rng(6);
    for (std::size_t n : {0, 1, 5, 31, 32, 33, 64, 100, 1000, 1025}) {
        const auto a = random_vector(n, rng), b = random_vector(n, rng);
        double expected_dot = 0, expected_sum = 0, magnitude_dot = 0, magnitude_sum = 0;
        for (std::size_t i = 0; i < n; ++i) {
            expected_dot += double{a[i]} * b[i];
            magnitude_dot += std::abs(double{a[i]} * b[i]);
            expected_sum += a[i];
            magnitude_sum += std::abs(a[i]);
        }
        EXPECT_NEAR(dot(a.data(), b.data(), n), expected_dot, 1e-6 * (1 + magnitude_dot)) << n;
        EXPECT_NEAR(sum(a.data(), n), expected_sum, 1e-6 * (1 + magnitude_sum)) << n;
    }
    // Exact small cases.
    const float x[3] = {1.0f, 2.0f, 3.0f}, y[3] = {4.0f, -5.0f, 0.5f};
    EXPECT_EQ(dot(x, y, 3), -4.5f);
    EXPECT_EQ(sum(x, 3), 6.0f);
    EXPECT_EQ(sum(x, 0), 0.0f);
}

// The lane order is fixed: element i goes to lane i mod L (L = 16 lanes in the kernels, 32 in
// the header's comment; both divide 32), and the lanes are combined in a binary tree. An input
// built so that a sequential summation gives a different float shows it.
// dot() equals, bit for bit, the documented order written out in scalar code: 16 lanes (lane s
// takes the products s, s + 16, ...), then the tree s + 8, s + 4, s + 2, s + 1; with and
// without a tail of fewer than 16 elements. The values are signed powers of two over a wide
// range: every product is exact (so fused and separate multiply-adds agree, whatever the build
// flags), while the sums round differently in any other order.
TEST(Kernels, DotIsBitIdenticalToTheScalarLaneTree) {
    std::mt19937 rng(12);
    std::uniform_int_distribution<int> exponent(-12, 12), sign(0, 1);
    const auto power = [&] { return (sign(rng) ? 1.0f : -1.0f) * std::ldexp(1.0f, exponent(rng)); };
    for (std::size_t n : {16u, 32u, 1024u, 1031u}) {
        std::vector<float> a(n), b(n);
        for (std::size_t i = 0; i < n; ++i) {
            a[i] = power();
            b[i] = power();
        }
        float lane[16] = {};
        for (std::size_t i = 0; i < n; ++i) lane[i % 16] += a[i] * b[i];
        for (std::size_t width = 8; width > 0; width /= 2)
            for (std::size_t s = 0; s < width; ++s) lane[s] += lane[s + width];
        EXPECT_EQ(dot(a.data(), b.data(), n), lane[0]) << n;
        float sequential = 0.0f;  // the check can fail: another order gives another sum
        for (std::size_t i = 0; i < n; ++i) sequential += a[i] * b[i];
        if (n == 1024) {
            EXPECT_NE(sequential, lane[0]);
        }
    }
}

TEST(Kernels, SumUsesTheDocumentedLaneOrder) {
    const std::size_t n = 64;
    std::vector<float> a(n, 0.0f);
    // Lane 0 gets 1e8 and then -1e8; lane 1 gets 1. Fixed lane order: lane 0 = 0 exactly, total 1.
    // A sequential sum would give 1e8 + 1 - 1e8 = 0 in float.
    a[0] = 1e8f;
    a[1] = 1.0f;
    a[32] = -1e8f;
    EXPECT_EQ(sum(a.data(), n), 1.0f);
    std::vector<float> ones(n, 1.0f);
    EXPECT_EQ(dot(a.data(), ones.data(), n), 1.0f);
}

TEST(Kernels, DenseWeightGradientMatchesNaiveReference) {
    std::mt19937 rng(7);
    for (std::size_t batch : batches) {
        const std::size_t n_neurons = 7, n_inputs = 9;
        const auto slope = random_vector(n_neurons * batch, rng);
        const auto input = random_vector(n_inputs * batch, rng, 2.0f);
        std::vector<float> grad(n_neurons * n_inputs, std::nanf("")), bias_grad(n_neurons, std::nanf(""));
        dense_weight_gradient(slope.data(), n_neurons, batch, input.data(), n_inputs, grad.data(),
                              bias_grad.data());
        for (std::size_t j = 0; j < n_neurons; ++j) {
            double expected_bias = 0, magnitude_bias = 0;
            for (std::size_t b = 0; b < batch; ++b) {
                expected_bias += slope[j * batch + b];
                magnitude_bias += std::abs(slope[j * batch + b]);
            }
            EXPECT_NEAR(bias_grad[j], expected_bias, 1e-6 * (1 + magnitude_bias));
            for (std::size_t i = 0; i < n_inputs; ++i) {
                double expected = 0, magnitude = 0;
                for (std::size_t b = 0; b < batch; ++b) {
                    const double term = double{slope[j * batch + b]} * input[i * batch + b];
                    expected += term;
                    magnitude += std::abs(term);
                }
                EXPECT_NEAR(grad[j * n_inputs + i], expected, 1e-6 * (1 + magnitude))
                    << "batch " << batch << " neuron " << j << " input " << i;
            }
        }
        // A null bias_grad is allowed.
        std::vector<float> grad2(n_neurons * n_inputs);
        dense_weight_gradient(slope.data(), n_neurons, batch, input.data(), n_inputs, grad2.data(),
                              nullptr);
        EXPECT_TRUE(same_bits(grad, grad2));
    }
}

TEST(Kernels, DenseWeightGradientIsBitIdenticalUnderNeuronBlocking) {
    std::mt19937 rng(8);
    for (std::size_t batch : batches) {
        const std::size_t n_neurons = 13, n_inputs = 6;
        const auto slope = random_vector(n_neurons * batch, rng);
        const auto input = random_vector(n_inputs * batch, rng, 2.0f);
        expect_same_bits_for_every_blocking(n_neurons, batch, [&](const auto& starts) {
            // The weight gradient, then the bias gradient.
            std::vector<float> out(n_neurons * (n_inputs + 1), std::nanf(""));
            float* bias_grad = out.data() + n_neurons * n_inputs;
            for_blocks(starts, [&](std::size_t j0, std::size_t n_here) {
                dense_weight_gradient(slope.data() + j0 * batch, n_here, batch, input.data(),
                                      n_inputs, out.data() + j0 * n_inputs, bias_grad + j0);
            });
            return out;
        });
    }
}

// The same row computed with 1 neuron and as one of 5 neurons (in each of the 5 positions, so
// that it lands in full and partial blocks of the kernel's 3-neuron groups) gives the same bits;
// the bias gradient is the same as a direct call of sum().
TEST(Kernels, WeightGradientOfOneRowDoesNotDependOnItsNeighbours) {
    std::mt19937 rng(9);
    for (std::size_t batch : batches) {
        const std::size_t n_inputs = 4;
        const auto row = random_vector(batch, rng);
        const auto input = random_vector(n_inputs * batch, rng, 2.0f);
        std::vector<float> alone(n_inputs), alone_bias(1);
        dense_weight_gradient(row.data(), 1, batch, input.data(), n_inputs, alone.data(),
                              alone_bias.data());
        EXPECT_EQ(std::bit_cast<std::uint32_t>(alone_bias[0]),
                  std::bit_cast<std::uint32_t>(sum(row.data(), batch)));
        for (std::size_t position = 0; position < 5; ++position) {
            auto slope = random_vector(5 * batch, rng);
            std::copy(row.begin(), row.end(), slope.begin() + static_cast<std::ptrdiff_t>(position * batch));
            std::vector<float> grad(5 * n_inputs), bias_grad(5);
            dense_weight_gradient(slope.data(), 5, batch, input.data(), n_inputs, grad.data(),
                                  bias_grad.data());
            const std::vector<float> mine(grad.begin() + static_cast<std::ptrdiff_t>(position * n_inputs),
                                          grad.begin() + static_cast<std::ptrdiff_t>((position + 1) * n_inputs));
            EXPECT_TRUE(same_bits(alone, mine)) << "batch " << batch << " position " << position;
            EXPECT_EQ(std::bit_cast<std::uint32_t>(alone_bias[0]),
                      std::bit_cast<std::uint32_t>(bias_grad[position]));
        }
    }
}

TEST(Kernels, SparseWeightGradientMatchesNaiveReferenceAndDot) {
    std::mt19937 rng(10);
    for (std::size_t batch : batches) {
        const std::size_t n_source = 12, n_neurons = 7, fan_in = 5;
        const auto slope = random_vector(n_neurons * batch, rng);
        const auto p = make_sparse(n_source, n_neurons, fan_in, batch, rng);
        std::vector<float> grad(n_neurons * fan_in, std::nanf("")), bias_grad(n_neurons, std::nanf(""));
        sparse_weight_gradient(slope.data(), n_neurons, batch, p.input.data(), p.partner.data(),
                               fan_in, grad.data(), bias_grad.data());
        for (std::size_t j = 0; j < n_neurons; ++j) {
            const float* s = slope.data() + j * batch;
            EXPECT_EQ(std::bit_cast<std::uint32_t>(bias_grad[j]),
                      std::bit_cast<std::uint32_t>(sum(s, batch)));
            for (std::size_t k = 0; k < fan_in; ++k) {
                const float* x = p.input.data() + p.partner[j * fan_in + k] * batch;
                double expected = 0, magnitude = 0;
                for (std::size_t b = 0; b < batch; ++b) {
                    expected += double{s[b]} * x[b];
                    magnitude += std::abs(double{s[b]} * x[b]);
                }
                EXPECT_NEAR(grad[j * fan_in + k], expected, 1e-6 * (1 + magnitude));
                // The same fixed-order dot product as a direct call.
                EXPECT_EQ(std::bit_cast<std::uint32_t>(grad[j * fan_in + k]),
                          std::bit_cast<std::uint32_t>(dot(s, x, batch)));
            }
        }
    }
}

// A sparse problem whose input is +-1 activity, as the lateral class reads, with the input
// also packed (one row of words per input neuron).
struct packed_problem {
    sparse_problem p;
    std::vector<std::uint64_t> words;
};

packed_problem make_packed(std::size_t n_source, std::size_t n_neurons, std::size_t fan_in,
                           std::size_t batch, std::mt19937& rng) {
    packed_problem q{make_sparse(n_source, n_neurons, fan_in, batch, rng), {}};
    std::bernoulli_distribution coin(0.5);
    for (auto& x : q.p.input) x = coin(rng) ? 1.0f : -1.0f;
    q.words.resize(n_source * words_per_neuron(batch));
    pack_activity(q.p.input, batch, q.words);
    return q;
}

// Fan-ins of 7 and 6 cover the four-partner passes and the single-partner tail; the batches
// cover the byte tail (batch % 8) and the lane tail (batch % 16).
TEST(Kernels, SparseDriveFromPackedActivityIsBitIdentical) {
    std::mt19937 rng(13);
    for (std::size_t batch : batches)
        for (std::size_t fan_in : {std::size_t{7}, std::size_t{6}}) {
            const auto q = make_packed(19, 9, fan_in, batch, rng);
            std::vector<float> from_floats(q.p.n_neurons * batch, std::nanf(""));
            std::vector<float> from_bits(q.p.n_neurons * batch, std::nanf(""));
            sparse_drive(q.p.input.data(), batch, q.p.partner.data(), q.p.weight.data(),
                         q.p.n_neurons, fan_in, q.p.bias.data(), from_floats.data());
            sparse_drive_bits(q.words.data(), batch, q.p.partner.data(), q.p.weight.data(),
                              q.p.n_neurons, fan_in, q.p.bias.data(), from_bits.data());
            EXPECT_TRUE(same_bits(from_floats, from_bits)) << "batch " << batch << " fan-in " << fan_in;
        }
}

TEST(Kernels, SparseWeightGradientFromPackedActivityIsBitIdentical) {
    std::mt19937 rng(14);
    for (std::size_t batch : batches)
        for (std::size_t fan_in : {std::size_t{7}, std::size_t{6}}) {
            const auto q = make_packed(19, 9, fan_in, batch, rng);
            const auto slope = random_vector(q.p.n_neurons * batch, rng);
            std::vector<float> grad_floats(q.p.n_neurons * fan_in, std::nanf(""));
            std::vector<float> grad_bits(q.p.n_neurons * fan_in, std::nanf(""));
            std::vector<float> bias_floats(q.p.n_neurons, std::nanf(""));
            std::vector<float> bias_bits(q.p.n_neurons, std::nanf(""));
            sparse_weight_gradient(slope.data(), q.p.n_neurons, batch, q.p.input.data(),
                                   q.p.partner.data(), fan_in, grad_floats.data(), bias_floats.data());
            sparse_weight_gradient_bits(slope.data(), q.p.n_neurons, batch, q.words.data(),
                                        q.p.partner.data(), fan_in, grad_bits.data(), bias_bits.data());
            EXPECT_TRUE(same_bits(grad_floats, grad_bits)) << "batch " << batch << " fan-in " << fan_in;
            EXPECT_TRUE(same_bits(bias_floats, bias_bits)) << "batch " << batch;
        }
}

// A readout reads its N hidden inputs packed: dense drive and gradient from bits equal those
// from the floats bit for bit, over 70 inputs (a partial 64-input chunk of the gradient), 13
// neurons (partial blocks), the batch tails, and sample and input ranges (the thread splits).
TEST(Kernels, DenseKernelsFromPackedActivityAreBitIdentical) {
    std::mt19937 rng(15);
    for (std::size_t batch : batches) {
        const std::size_t n_inputs = 70, n_neurons = 13;
        const auto q = make_packed(n_inputs, n_neurons, 1, batch, rng);
        const auto weight = random_vector(n_neurons * n_inputs, rng);
        const auto bias = random_vector(n_neurons, rng);
        const auto slope = random_vector(n_neurons * batch, rng);
        const float* input = q.p.input.data();
        std::vector<float> floats(n_neurons * batch, std::nanf("")), bits = floats;
        dense_drive(input, n_inputs, batch, weight.data(), n_neurons, bias.data(), floats.data());
        dense_drive_bits(q.words.data(), n_inputs, batch, weight.data(), n_neurons, bias.data(),
                         bits.data());
        EXPECT_TRUE(same_bits(floats, bits)) << "drive, batch " << batch;
        const std::size_t middle = batch / 2 / sample_alignment * sample_alignment;
        std::vector<float> split(n_neurons * batch, std::nanf(""));
        dense_drive_samples_bits(q.words.data(), n_inputs, batch, weight.data(), n_neurons,
                                 bias.data(), split.data(), 0, middle);
        dense_drive_samples_bits(q.words.data(), n_inputs, batch, weight.data(), n_neurons,
                                 bias.data(), split.data(), middle, batch);
        EXPECT_TRUE(same_bits(floats, split)) << "drive by samples, batch " << batch;

        std::vector<float> grad_floats(n_neurons * n_inputs, std::nanf("")), grad_bits = grad_floats;
        std::vector<float> bias_floats(n_neurons, std::nanf("")), bias_bits = bias_floats;
        dense_weight_gradient(slope.data(), n_neurons, batch, input, n_inputs, grad_floats.data(),
                              bias_floats.data());
        dense_weight_gradient_bits(slope.data(), n_neurons, batch, q.words.data(), n_inputs,
                                   grad_bits.data(), bias_bits.data());
        EXPECT_TRUE(same_bits(grad_floats, grad_bits)) << "gradient, batch " << batch;
        EXPECT_TRUE(same_bits(bias_floats, bias_bits)) << "bias gradient, batch " << batch;
        std::vector<float> grad_split(n_neurons * n_inputs, std::nanf(""));
        dense_weight_gradient_inputs_bits(slope.data(), n_neurons, batch, q.words.data(), n_inputs,
                                          grad_split.data(), 0, 33);
        dense_weight_gradient_inputs_bits(slope.data(), n_neurons, batch, q.words.data(), n_inputs,
                                          grad_split.data(), 33, n_inputs);
        EXPECT_TRUE(same_bits(grad_floats, grad_split)) << "gradient by inputs, batch " << batch;
    }
}

TEST(Kernels, SparseWeightGradientIsBitIdenticalUnderNeuronBlocking) {
    std::mt19937 rng(11);
    for (std::size_t batch : batches) {
        const std::size_t n_neurons = 11, fan_in = 4;
        const auto slope = random_vector(n_neurons * batch, rng);
        const auto p = make_sparse(9, n_neurons, fan_in, batch, rng);
        expect_same_bits_for_every_blocking(n_neurons, batch, [&](const auto& starts) {
            // The weight gradient, then the bias gradient.
            std::vector<float> out(n_neurons * (fan_in + 1), std::nanf(""));
            float* bias_grad = out.data() + n_neurons * fan_in;
            for_blocks(starts, [&](std::size_t j0, std::size_t n_here) {
                sparse_weight_gradient(slope.data() + j0 * batch, n_here, batch, p.input.data(),
                                       p.partner.data() + j0 * fan_in, fan_in,
                                       out.data() + j0 * fan_in, bias_grad + j0);
            });
            return out;
        });
    }
}

// Dense and sparse gradients of a neuron connected to all inputs in order agree bit for bit
// (the block kernels and dot share the lane order and the combining tree).
TEST(Kernels, DenseAndSparseWeightGradientsAgreeForFullConnectivity) {
    std::mt19937 rng(12);
    for (std::size_t batch : batches) {
        const std::size_t n_neurons = 6, n_inputs = 5;
        const auto slope = random_vector(n_neurons * batch, rng);
        const auto input = random_vector(n_inputs * batch, rng, 2.0f);
        std::vector<std::uint32_t> partner(n_neurons * n_inputs);
        for (std::size_t j = 0; j < n_neurons; ++j)
            for (std::size_t i = 0; i < n_inputs; ++i)
                partner[j * n_inputs + i] = static_cast<std::uint32_t>(i);
        std::vector<float> dense(n_neurons * n_inputs), sparse(n_neurons * n_inputs);
        std::vector<float> dense_bias(n_neurons), sparse_bias(n_neurons);
        dense_weight_gradient(slope.data(), n_neurons, batch, input.data(), n_inputs, dense.data(),
                              dense_bias.data());
        sparse_weight_gradient(slope.data(), n_neurons, batch, input.data(), partner.data(),
                               n_inputs, sparse.data(), sparse_bias.data());
        EXPECT_TRUE(same_bits(dense, sparse)) << "batch " << batch;
        EXPECT_TRUE(same_bits(dense_bias, sparse_bias)) << "batch " << batch;
    }
}

}  // namespace
}  // namespace infomorph::kernels

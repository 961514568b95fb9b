// An infomorphic layer built directly from a layer_config: the weight gradient learn() uses
// against finite differences of the summed local goal, fixed (identity and unlearned) weights,
// robustness at saturation, and bit-identical results under a split of the neurons.

#include <infomorph/estimate/binning.hpp>
#include <infomorph/estimate/local_goal.hpp>
#include <infomorph/model/activation.hpp>
#include <infomorph/model/activity_packing.hpp>
#include <infomorph/model/layer.hpp>
#include <infomorph/model/network_config.hpp>

#include "config_builders.hpp"
#include "same_bits.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace infomorph {
namespace {

using testing::fixed;
using testing::input;
using testing::same_bits;


std::vector<double> random_gamma(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> g(n);
    for (auto& x : g) x = u(rng);
    return g;
}

// Three classes: image (dense), label (dense), lateral (sparse, fan-in 2).
layer_config three_class_config(int neurons) {
    layer_config c;
    c.name = "hidden";
    c.neurons = neurons;
    c.activation.type = activation_config::kind::three_class;
    c.activation.a_context = 0.3;
    c.activation.a_lateral = 0.25;
    c.receptive = input("image", fixed(3, -3, 3));
    c.contextual = input("label", fixed(3, -3, 3));
    input_config lateral = input("", fixed(3, -3, 3));
    lateral.fan_in = 2;
    c.lateral = lateral;
    c.goal = random_gamma(19, 5);
    c.learning_rate = 0.01;
    c.weight_decay = 0.0;
    return c;
}

layer_config two_class_config(int neurons) {
    layer_config c;
    c.name = "hidden";
    c.neurons = neurons;
    c.activation.type = activation_config::kind::two_class;
    c.activation.k1 = 0.5;
    c.activation.k2 = 2.0;
    c.receptive = input("image", fixed(4, -4, 4));
    c.contextual = input("label", fixed(4, -4, 4));
    c.goal = random_gamma(5, 6);
    c.learning_rate = 0.01;
    c.weight_decay = 0.0;
    return c;
}

// Synthetic neuron-major sources: a continuous "image", a one-hot "label" and +-1 activity.
struct sources {
    std::size_t batch;
    std::vector<float> image, label, activity;
};

sources make_sources(std::size_t n_pixels, std::size_t n_classes, std::size_t n_activity,
                     std::size_t batch, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<std::size_t> cls(0, n_classes - 1);
    std::bernoulli_distribution coin(0.5);
    sources s{batch, std::vector<float>(n_pixels * batch), std::vector<float>(n_classes * batch, 0.0f),
              std::vector<float>(n_activity * batch)};
    for (auto& x : s.image) x = normal(rng);
    for (std::size_t b = 0; b < batch; ++b) s.label[cls(rng) * batch + b] = 1.0f;
    for (auto& x : s.activity) x = coin(rng) ? 1.0f : -1.0f;
    return s;
}

std::vector<activity_source> pointers(const sources& s, std::size_t n_classes) {
    std::vector<activity_source> p{s.image.data(), s.label.data()};
    if (n_classes > 2) p.push_back(s.activity.data());
    return p;
}

std::vector<std::size_t> sizes(const layer_config& c, std::size_t n_pixels, std::size_t n_classes) {
    std::vector<std::size_t> v{n_pixels, n_classes};
    if (c.lateral) v.push_back(static_cast<std::size_t>(c.neurons));
    return v;
}

void forward(infomorphic_layer& layer, const std::vector<activity_source>& src, std::size_t batch,
             std::uint64_t step = 0, int presentation = 0) {
    for (std::size_t k = 0; k < src.size(); ++k) layer.compute_drive(k, src[k], batch);
    layer.activate(batch, step, presentation);
}

// G of every local neuron, reconstructed from the layer's drives and theta with a separate
// local_goal; also the bins of every compartment's drive.
struct evaluation {
    std::vector<double> goal;
    std::vector<std::vector<std::uint16_t>> bins;  // per compartment, n_local x batch
};

evaluation evaluate(const infomorphic_layer& layer, std::size_t batch) {
    const auto& cs = layer.compartments();
    const int n_sources = static_cast<int>(cs.size());
    local_goal goal(n_sources, layer.config().goal);
    std::vector<binning_config> binnings;
    for (const auto& c : cs) binnings.push_back(c.binning);
    evaluation e;
    e.bins.assign(cs.size(), std::vector<std::uint16_t>(layer.n_local() * batch));
    std::vector<float> slope(batch);
    for (std::size_t j = 0; j < layer.n_local(); ++j) {
        std::vector<std::span<const float>> rows;
        for (std::size_t k = 0; k < cs.size(); ++k) {
            rows.emplace_back(cs[k].drive.data() + j * batch, batch);
            assign_bins(cs[k].binning, rows.back(),
                        std::span<std::uint16_t>(e.bins[k].data() + j * batch, batch));
        }
        e.goal.push_back(
            goal.gradient(rows, binnings, layer.theta().subspan(j * batch, batch), slope));
    }
    return e;
}

double total(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
}

// The end-to-end gradient check: learn() stores dG/dw of the drives and theta it was called
// with in compartments()[k].weight_gradient / bias_gradient (before its Adam step changes the
// weights). A second layer with the same parameters evaluates G(w +- h) through compute_drive,
// activate and a local goal; only weights whose perturbation leaves every bin assignment
// unchanged are compared (bins carry no gradient).
void check_layer_gradient(const layer_config& config, unsigned seed) {
    const std::size_t n_pixels = 5, n_classes = 3, batch = 40;
    const auto n = static_cast<std::size_t>(config.neurons);
    const auto source_sizes = sizes(config, n_pixels, n_classes);
    const layer_identity identity{seed, 1};
    infomorphic_layer layer(config, identity, source_sizes, {0, n});
    const std::size_t n_comp = layer.compartments().size();
    const sources s = make_sources(n_pixels, n_classes, n, batch, seed + 100);
    const auto src = pointers(s, n_comp);

    forward(layer, src, batch);
    for (float t : layer.theta()) ASSERT_TRUE(t > 0.01f && t < 0.99f);  // no clamping here
    const evaluation base = evaluate(layer, batch);

    infomorphic_layer probe(config, identity, source_sizes, {0, n});  // same initial parameters
    training_config training;
    const auto goals = layer.learn(src, batch, 1, training);
    ASSERT_EQ(goals.size(), n);
    for (std::size_t j = 0; j < n; ++j) EXPECT_NEAR(goals[j], base.goal[j], 1e-12);

    auto goal_with = [&](std::size_t k, bool bias, std::size_t index, float value,
                         bool& bins_moved) {
        auto& c = probe.compartments()[k];
        float& parameter = bias ? c.bias[index] : c.weight[index];
        const float saved = parameter;
        parameter = value;
        forward(probe, src, batch);
        const evaluation e = evaluate(probe, batch);
        parameter = saved;
        bins_moved = bins_moved || e.bins != base.bins;
        return total(e.goal);
    };

    // The gradient sizes, for a scale-aware tolerance.
    double scale = 0;
    for (const auto& c : layer.compartments())
        for (float g : c.weight_gradient) scale = std::max(scale, std::abs(double{g}));
    ASSERT_GT(scale, 1e-4);

    std::size_t checked = 0, skipped = 0;
    for (std::size_t k = 0; k < n_comp; ++k) {
        const auto& c = layer.compartments()[k];
        ASSERT_TRUE(c.learned);
        ASSERT_EQ(c.weight_gradient.size(), c.weight.size());
        const auto& initial = probe.compartments()[k];
        for (int bias = 0; bias < 2; ++bias) {
            const std::size_t count = bias ? c.bias.size() : c.weight.size();
            std::size_t checked_here = 0;
            for (std::size_t index = 0; index < count; ++index) {
                const float w = bias ? initial.bias[index] : initial.weight[index];
                const float h = 2e-3f;
                bool moved = false;
                const float up = w + h, down = w - h;
                const double g_up = goal_with(k, bias != 0, index, up, moved);
                const double g_down = goal_with(k, bias != 0, index, down, moved);
                if (moved) {
                    ++skipped;
                    continue;
                }
                const double fd = (g_up - g_down) / (static_cast<double>(up) - down);
                const double analytic = bias ? c.bias_gradient[index] : c.weight_gradient[index];
                EXPECT_NEAR(analytic, fd, 2e-3 * std::abs(fd) + 1e-5 * scale)
                    << c.role << (bias ? " bias " : " weight ") << index;
                ++checked;
                ++checked_here;
            }
            EXPECT_GT(checked_here, count / 2) << c.role << " bias " << bias;
        }
    }
    EXPECT_GT(checked, 3 * skipped);
}

TEST(Layer, WeightGradientMatchesFiniteDifferencesThreeClasses) {
    check_layer_gradient(three_class_config(4), 7);
}

TEST(Layer, WeightGradientMatchesFiniteDifferencesTwoClasses) {
    check_layer_gradient(two_class_config(3), 8);
}

// learn() moves every learned parameter by Adam's first step: lr * sign(gradient).
// learn() holds the slopes of a chunk of neurons at a time: any chunking gives the same goals,
// gradients and updated weights, bit for bit (300 neurons, chunks of at least 96 per thread).
TEST(Layer, LearningInChunksOfNeuronsIsBitIdentical) {
    const std::size_t batch = 48, n = 300;
    const layer_config config = three_class_config(static_cast<int>(n));
    const auto source_sizes = sizes(config, 5, 3);
    const sources s = make_sources(5, 3, n, batch, 31);
    const auto src = pointers(s, 3);
    infomorphic_layer whole(config, {5, 0}, source_sizes, {0, n});
    infomorphic_layer chunked(config, {5, 0}, source_sizes, {0, n});
    chunked.set_slope_memory(1);  // the smallest chunks
    for (std::uint64_t step = 0; step < 2; ++step) {
        forward(whole, src, batch, step);
        forward(chunked, src, batch, step);
        const auto g_whole = whole.learn(src, batch, step + 1, training_config{});
        const auto g_chunked = chunked.learn(src, batch, step + 1, training_config{});
        ASSERT_TRUE(std::equal(g_whole.begin(), g_whole.end(), g_chunked.begin(), g_chunked.end()));
        for (std::size_t k = 0; k < 3; ++k) {
            const auto& a = whole.compartments()[k];
            const auto& b = chunked.compartments()[k];
            EXPECT_EQ(a.weight_gradient, b.weight_gradient) << a.role;
            EXPECT_EQ(a.bias_gradient, b.bias_gradient) << a.role;
            EXPECT_EQ(a.weight, b.weight) << a.role;
            EXPECT_EQ(a.bias, b.bias) << a.role;
        }
    }
}

// A dense class that reads a layer (a readout over hidden neurons) reads its packed bits: the
// same drives, gradients and weights as from the floats, for a layer of many neurons (blocks
// of neurons) and of few (threads split samples and inputs).
TEST(Layer, DenseClassReadsPackedActivityBitIdentically) {
    const std::size_t batch = 40, n_hidden = 70;
    for (std::size_t n : {std::size_t{4}, std::size_t{200}}) {
        layer_config config = two_class_config(static_cast<int>(n));
        config.receptive = input("hidden", fixed(4, -4, 4));
        const std::vector<std::size_t> source_sizes{n_hidden, 3};
        const sources s = make_sources(5, 3, n_hidden, batch, 33);
        std::vector<std::uint64_t> words(n_hidden * words_per_neuron(batch));
        pack_activity(s.activity, batch, words);
        const std::vector<activity_source> floats{s.activity.data(), s.label.data()};
        const std::vector<activity_source> bits{activity_source(nullptr, words.data()),
                                                s.label.data()};
        infomorphic_layer a(config, {6, 1}, source_sizes, {0, n});
        infomorphic_layer b(config, {6, 1}, source_sizes, {0, n});
        forward(a, floats, batch);
        forward(b, bits, batch);
        ASSERT_TRUE(std::equal(a.theta().begin(), a.theta().end(), b.theta().begin(), b.theta().end()))
            << n << " neurons";
        a.learn(floats, batch, 1, training_config{});
        b.learn(bits, batch, 1, training_config{});
        EXPECT_EQ(a.compartments()[0].weight_gradient, b.compartments()[0].weight_gradient) << n;
        EXPECT_EQ(a.compartments()[0].weight, b.compartments()[0].weight) << n;
    }
}

TEST(Layer, LearnAppliesAnAdamStepUphill) {
    const layer_config config = two_class_config(3);
    const std::size_t batch = 40;
    const auto source_sizes = sizes(config, 5, 3);
    infomorphic_layer layer(config, {3, 0}, source_sizes, {0, 3});
    const sources s = make_sources(5, 3, 3, batch, 9);
    const auto src = pointers(s, 2);
    forward(layer, src, batch);
    const auto before = layer.compartments();
    layer.learn(src, batch, 1, training_config{});
    for (std::size_t k = 0; k < 2; ++k) {
        const auto& c = layer.compartments()[k];
        for (std::size_t i = 0; i < c.weight.size(); ++i) {
            const double g = c.weight_gradient[i];
            const double step = double{c.weight[i]} - before[k].weight[i];
            if (std::abs(g) < 1e-3) continue;  // |g| / (|g| + eps) is 1 to 1e-5
            EXPECT_NEAR(step, std::copysign(config.learning_rate, g), 1e-4 * config.learning_rate + 1e-7);
        }
    }
}

TEST(Layer, IdentityAndUnlearnedWeightsStayFixed) {
    const std::size_t batch = 32, n = 3;
    // Readout-like: receptive learned, contextual identity without bias.
    layer_config readout = two_class_config(static_cast<int>(n));
    readout.contextual->identity = true;
    readout.contextual->bias = false;
    // The other way round: receptive not learned, contextual learned.
    layer_config frozen = two_class_config(static_cast<int>(n));
    frozen.receptive.learned = false;
    // Nothing learns with a zero learning rate.
    layer_config still = two_class_config(static_cast<int>(n));
    still.learning_rate = 0;

    const sources s = make_sources(5, n, n, batch, 10);
    const auto src = pointers(s, 2);
    const std::vector<std::size_t> source_sizes{5, n};

    infomorphic_layer a(readout, {1, 0}, source_sizes, {0, n});
    const auto& identity = a.compartments()[1];
    EXPECT_FALSE(identity.learned);
    EXPECT_FALSE(identity.has_bias);
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < n; ++i)
            EXPECT_EQ(identity.weight[j * n + i], i == j ? 1.0f : 0.0f);
    EXPECT_EQ(identity.bias, std::vector<float>(n, 0.0f));

    infomorphic_layer b(frozen, {1, 0}, source_sizes, {0, n});
    infomorphic_layer c(still, {1, 0}, source_sizes, {0, n});
    EXPECT_FALSE(b.compartments()[0].learned);
    EXPECT_TRUE(b.compartments()[1].learned);
    EXPECT_TRUE(b.learns());
    EXPECT_FALSE(c.learns());

    const auto a0 = a.compartments(), b0 = b.compartments(), c0 = c.compartments();
    for (std::uint64_t step = 0; step < 4; ++step) {
        for (auto* layer : {&a, &b, &c}) {
            forward(*layer, src, batch, step);
            layer->learn(src, batch, step + 1, training_config{});
        }
    }
    EXPECT_EQ(a.compartments()[1].weight, a0[1].weight);
    EXPECT_EQ(a.compartments()[1].bias, a0[1].bias);
    EXPECT_NE(a.compartments()[0].weight, a0[0].weight);
    EXPECT_NE(a.compartments()[0].bias, a0[0].bias);

    EXPECT_EQ(b.compartments()[0].weight, b0[0].weight);
    EXPECT_EQ(b.compartments()[0].bias, b0[0].bias);
    EXPECT_NE(b.compartments()[1].weight, b0[1].weight);

    for (std::size_t k = 0; k < 2; ++k) {
        EXPECT_EQ(c.compartments()[k].weight, c0[k].weight);
        EXPECT_EQ(c.compartments()[k].bias, c0[k].bias);
    }
}

// A Heaviside output is sign(A), whatever the sampling stream: +1 exactly where the drive is
// positive, also for drives so small that theta rounds to 1/2; theta stays sigmoid(A).
TEST(Layer, HeavisideOutputIsTheSignOfTheDrive) {
    layer_config config = two_class_config(6);
    config.activation.output = activation_config::output_kind::heaviside;
    config.learning_rate = 0.0;
    const std::size_t batch = 64;
    infomorphic_layer layer(config, {4, 1}, sizes(config, 5, 3), {0, 6});
    // Tiny weights: many drives sit within float rounding of 0, where sigmoid gives 1/2.
    for (auto& w : layer.compartments()[0].weight) w *= 1e-8f;
    for (auto& b : layer.compartments()[0].bias) b *= 1e-8f;
    const sources s = make_sources(5, 3, 6, batch, 11);
    std::size_t positive = 0, half = 0;
    for (std::uint64_t step = 0; step < 3; ++step) {
        forward(layer, pointers(s, 2), batch, step);
        for (std::size_t i = 0; i < layer.samples().size(); ++i) {
            const std::size_t j = i / batch, b = i % batch;
            const auto a = activate(config.activation, layer.compartments()[0].drive[i],
                                    layer.compartments()[1].drive[i], 0.0f);
            ASSERT_EQ(layer.samples()[i], a.drive > 0.0f ? 1.0f : -1.0f) << "neuron " << j << " sample " << b;
            EXPECT_NEAR(layer.theta()[i], sigmoid(a.drive), 1e-6f);
            positive += a.drive > 0.0f;
            half += layer.theta()[i] == 0.5f;
        }
    }
    // The check above met both signs, and drives too small for theta to tell them apart.
    EXPECT_GT(positive, 0u);
    EXPECT_LT(positive, layer.samples().size() * 3);
    EXPECT_GT(half, 0u);
}

// Enormous weights saturate theta at the clamp; learning must still produce finite parameters.
TEST(Layer, SaturatedLayerLearnsWithoutNonFiniteValues) {
    for (const float factor : {1e3f, 1e6f, 1e12f}) {
        const layer_config config = three_class_config(5);
        const std::size_t batch = 48;
        const auto source_sizes = sizes(config, 5, 3);
        infomorphic_layer layer(config, {4, 2}, source_sizes, {0, 5});
        for (auto& c : layer.compartments()) {
            for (auto& w : c.weight) w *= factor;
            for (auto& b : c.bias) b *= factor;
        }
        for (std::uint64_t step = 0; step < 6; ++step) {
            const sources s = make_sources(5, 3, 5, batch, static_cast<unsigned>(20 + step));
            const auto src = pointers(s, 3);
            forward(layer, src, batch, step);
            std::size_t clamped = 0;
            for (float t : layer.theta()) {
                ASSERT_GE(t, layer.theta_floor());
                ASSERT_LE(t, 1.0f - layer.theta_floor());
                clamped += t == layer.theta_floor() ||
                           t == 1.0f - layer.theta_floor();
            }
            EXPECT_GT(clamped, layer.theta().size() / 2) << "factor " << factor;
            std::span<const double> goals;
            ASSERT_NO_THROW(goals = layer.learn(src, batch, step + 1, training_config{}))
                << "factor " << factor << " step " << step;
            for (double g : goals) EXPECT_TRUE(std::isfinite(g));
            for (const auto& c : layer.compartments()) {
                for (float w : c.weight) ASSERT_TRUE(std::isfinite(w)) << c.role << " factor " << factor;
                for (float b : c.bias) ASSERT_TRUE(std::isfinite(b)) << c.role << " factor " << factor;
                for (float g : c.weight_gradient) ASSERT_TRUE(std::isfinite(g)) << c.role;
                for (float g : c.bias_gradient) ASSERT_TRUE(std::isfinite(g)) << c.role;
            }
        }
    }
}


// Where theta sits on its clamp it does not depend on the drive, so a neuron whose every sample
// is clamped has a locally constant goal: its weight and bias gradients must be exactly 0, not
// the ~1e-6-scaled slope of the unclamped sigmoid.
TEST(Layer, ClampedThetaGivesZeroGradient) {
    const layer_config config = three_class_config(5);
    const std::size_t batch = 48;
    infomorphic_layer layer(config, {4, 2}, sizes(config, 5, 3), {0, 5});
    for (auto& c : layer.compartments()) {
        for (auto& w : c.weight) w *= 1e6f;
        for (auto& b : c.bias) b *= 1e6f;
    }
    const sources s = make_sources(5, 3, 5, batch, 41);
    const auto src = pointers(s, 3);
    forward(layer, src, batch);
    std::vector<bool> all_clamped(5, true);
    for (std::size_t j = 0; j < 5; ++j)
        for (std::size_t b = 0; b < batch; ++b) {
            const float t = layer.theta()[j * batch + b];
            if (t != layer.theta_floor() && t != 1.0f - layer.theta_floor())
                all_clamped[j] = false;
        }
    ASSERT_GT(std::count(all_clamped.begin(), all_clamped.end(), true), 0)
        << "the test needs at least one neuron with every sample on the clamp";
    layer.learn(src, batch, 1, training_config{});
    for (const auto& c : layer.compartments()) {
        if (!c.learned) continue;
        const std::size_t row = c.weight.size() / 5;
        for (std::size_t j = 0; j < 5; ++j) {
            if (!all_clamped[j]) continue;
            for (std::size_t i = 0; i < row; ++i) {
                EXPECT_EQ(c.weight_gradient[j * row + i], 0.0f) << c.role << " neuron " << j;
            }
            if (c.has_bias) {
                EXPECT_EQ(c.bias_gradient[j], 0.0f) << c.role << " neuron " << j;
            }
        }
    }
}

// One layer owning [0, N) and two owning [0, k) and [k, N) compute the same theta, samples,
// goal values, partners and (after several learning steps) weights, bit for bit. The lateral
// input at each step is the full layer's samples of the step before (none at the first).
TEST(Layer, NeuronSplitIsBitIdentical) {
    for (const std::size_t n : {std::size_t{7}, std::size_t{9}}) {
        for (const std::size_t k : {std::size_t{1}, std::size_t{3}, std::size_t{4}}) {
            layer_config config = three_class_config(static_cast<int>(n));
            config.lateral->fan_in = 0;  // all other neurons
            if (k == 4) config.lateral->fan_in = 3;
            const std::size_t batch = 37;
            const auto source_sizes = sizes(config, 5, 3);
            const layer_identity identity{77, 3};
            infomorphic_layer whole(config, identity, source_sizes, {0, n});
            infomorphic_layer low(config, identity, source_sizes, {0, k});
            infomorphic_layer high(config, identity, source_sizes, {k, n});
            infomorphic_layer* parts[2] = {&low, &high};
            std::vector<float> previous;  // the full layer's samples of the step before
            for (std::uint64_t step = 0; step < 4; ++step) {
                const sources s = make_sources(5, 3, n, batch, static_cast<unsigned>(300 + step));
                std::vector<activity_source> src{s.image.data(), s.label.data(),
                                              previous.empty() ? nullptr : previous.data()};
                for (auto* layer : {&whole, &low, &high}) forward(*layer, src, batch, step, 1);
                for (std::size_t p = 0; p < 2; ++p) {
                    const std::size_t first = p == 0 ? 0 : k, count = p == 0 ? k : n - k;
                    const auto rows = [&](std::span<const float> v) {
                        return v.subspan(first * batch, count * batch);
                    };
                    EXPECT_TRUE(same_bits(rows(whole.theta()), parts[p]->theta())) << "step " << step;
                    EXPECT_TRUE(same_bits(rows(whole.samples()), parts[p]->samples()));
                }
                const auto whole_goals = whole.learn(src, batch, step + 1, training_config{});
                for (std::size_t p = 0; p < 2; ++p) {
                    const std::size_t first = p == 0 ? 0 : k, count = p == 0 ? k : n - k;
                    const auto part_goals = parts[p]->learn(src, batch, step + 1, training_config{});
                    ASSERT_EQ(part_goals.size(), count);
                    for (std::size_t j = 0; j < count; ++j)
                        EXPECT_EQ(std::bit_cast<std::uint64_t>(part_goals[j]),
                                  std::bit_cast<std::uint64_t>(whole_goals[first + j]));
                    for (std::size_t c = 0; c < whole.compartments().size(); ++c) {
                        const auto& w = whole.compartments()[c];
                        const auto& q = parts[p]->compartments()[c];
                        const std::span<const float> ww(w.weight), wb(w.bias);
                        EXPECT_TRUE(same_bits(ww.subspan(first * w.n_inputs, count * w.n_inputs), q.weight))
                            << w.role << " step " << step << " n " << n << " k " << k;
                        EXPECT_TRUE(same_bits(wb.subspan(first, count), q.bias)) << w.role;
                        if (w.sparse) {
                            const std::vector<std::uint32_t> partners(
                                w.partner.begin() + static_cast<std::ptrdiff_t>(first * w.n_inputs),
                                w.partner.begin() + static_cast<std::ptrdiff_t>((first + count) * w.n_inputs));
                            EXPECT_EQ(partners, q.partner);
                        }
                    }
                }
                previous.assign(whole.samples().begin(), whole.samples().end());
                std::vector<float> joined(low.samples().begin(), low.samples().end());
                joined.insert(joined.end(), high.samples().begin(), high.samples().end());
                EXPECT_TRUE(same_bits(previous, joined));
            }
            // Learning did change the weights (the comparison above has teeth).
            const infomorphic_layer fresh(config, identity, source_sizes, {0, n});
            EXPECT_NE(fresh.compartments()[0].weight, whole.compartments()[0].weight);
            EXPECT_NE(fresh.compartments()[2].weight, whole.compartments()[2].weight);
        }
    }
}

}  // namespace
}  // namespace infomorph

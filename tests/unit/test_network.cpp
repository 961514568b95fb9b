// A small network (three-class hidden layer with label context and dense lateral input, two
// presentations, a readout with identity label context) on synthetic data: reproducible from
// the seed, and bit-identical when the neurons of every layer are split over two emulated
// processes that exchange their samples through the activity_gather hook. Also the readout's
// argmax with the inverted-neuron flip.

#include <infomorph/model/layer.hpp>
#include <infomorph/model/network.hpp>
#include <infomorph/model/network_config.hpp>

#include "config_builders.hpp"
#include "same_bits.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <barrier>
#include <bit>
#include <cmath>
#include <cstdint>
#include <exception>
#include <random>
#include <span>
#include <thread>
#include <vector>

namespace infomorph {
namespace {

using testing::fixed;
using testing::input;
using testing::same_bits;


constexpr std::size_t n_pixels = 12;
constexpr std::size_t n_classes = 3;
constexpr std::size_t batch = 50;

network_config small_config(std::uint64_t seed) {
    network_config config;
    config.training.seed = seed;
    config.training.presentations = 2;
    config.training.batch_size = static_cast<int>(batch);

    layer_config hidden;
    hidden.name = "hidden";
    hidden.neurons = 7;
    hidden.activation.type = activation_config::kind::three_class;
    hidden.receptive = input("image", fixed(8, -4, 4));
    hidden.contextual = input("label", fixed(8, -4, 4));
    hidden.lateral = input("", fixed(8, -4, 4));  // fan_in 0: all other hidden neurons
    // The simplified optimum: {1}{2}{3} = 0.33, {1}{2} = 1, {1}{3} = -1, {12}{13} = -1.
    hidden.goal.assign(19, 0.0);
    hidden.goal[0] = 0.33;
    hidden.goal[1] = 1.0;
    hidden.goal[2] = -1.0;
    hidden.goal[11] = -1.0;
    hidden.learning_rate = 0.01;
    hidden.weight_decay = 3.5e-4;

    layer_config readout;
    readout.name = "readout";
    readout.neurons = static_cast<int>(n_classes);
    readout.activation.type = activation_config::kind::two_class;
    readout.activation.k1 = 1.0;
    binning_config adaptive;
    adaptive.type = binning_config::kind::adaptive;
    readout.receptive = input("hidden", adaptive);
    input_config label = input("label", adaptive);
    label.identity = true;
    label.bias = false;
    readout.contextual = label;
    readout.goal = {-0.2, 0.1, 1.0, 0.1, 0.0};
    readout.learning_rate = 0.01;
    readout.weight_decay = 1.5e-4;

    config.layers = {hidden, readout};
    return config;
}

struct batch_data {
    std::vector<float> image, label;
};

// Random images whose mean depends on the class, one-hot labels; neuron-major.
std::vector<batch_data> make_data(std::size_t n_batches, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::uniform_int_distribution<std::size_t> cls(0, n_classes - 1);
    std::vector<batch_data> data(n_batches);
    for (auto& d : data) {
        d.image.resize(n_pixels * batch);
        d.label.assign(n_classes * batch, 0.0f);
        for (std::size_t b = 0; b < batch; ++b) {
            const std::size_t y = cls(rng);
            d.label[y * batch + b] = 1.0f;
            for (std::size_t i = 0; i < n_pixels; ++i)
                d.image[i * batch + b] = normal(rng) + (i % n_classes == y ? 1.0f : 0.0f);
        }
    }
    return data;
}

void train(network& net, const std::vector<batch_data>& data) {
    for (std::size_t step = 0; step < data.size(); ++step)
        net.train_step(data[step].image.data(), data[step].label.data(), batch, step);
}


::testing::AssertionResult same_parameters(const network& a, const network& b) {
    for (std::size_t i = 0; i < a.layers().size(); ++i)
        for (std::size_t k = 0; k < a.layers()[i].compartments().size(); ++k) {
            const auto& x = a.layers()[i].compartments()[k];
            const auto& y = b.layers()[i].compartments()[k];
            auto r = same_bits(x.weight, y.weight);
            if (!r) return r << " (layer " << i << " compartment " << k << " weights)";
            r = same_bits(x.bias, y.bias);
            if (!r) return r << " (layer " << i << " compartment " << k << " biases)";
        }
    return ::testing::AssertionSuccess();
}

TEST(Network, WiringOfTheSmallNetwork) {
    const network net(small_config(1), n_pixels, n_classes);
    ASSERT_EQ(net.layers().size(), 2u);
    const auto& hidden = net.layers()[0].compartments();
    ASSERT_EQ(hidden.size(), 3u);
    EXPECT_EQ(hidden[0].n_inputs, n_pixels);
    EXPECT_EQ(hidden[1].n_inputs, n_classes);
    EXPECT_TRUE(hidden[2].sparse);
    EXPECT_EQ(hidden[2].n_inputs, 6u);
    // Dense lateral: every neuron sees all others, never itself.
    for (std::size_t j = 0; j < 7; ++j)
        for (std::size_t k = 0; k < 6; ++k) EXPECT_NE(hidden[2].partner[j * 6 + k], j);
    const auto& readout = net.layers()[1].compartments();
    EXPECT_EQ(readout[0].n_inputs, 7u);
    EXPECT_FALSE(readout[1].learned);
}

// Which layer runs at which presentation: all at the last one; before it, the hidden layer
// (its lateral input reads its own previous output) but not the readout, unless the readout
// feeds back into the hidden layer as its context.
TEST(Network, PresentationsRunOnlyTheLayersSomethingReads) {
    const network net(small_config(1), n_pixels, n_classes);
    EXPECT_TRUE(net.runs_at(0, 0));
    EXPECT_FALSE(net.runs_at(1, 0));
    EXPECT_TRUE(net.runs_at(0, 1));
    EXPECT_TRUE(net.runs_at(1, 1));

    network_config feedback = small_config(1);
    feedback.layers[0].contextual->source = "readout";
    const network with_feedback(feedback, n_pixels, n_classes);
    for (int p = 0; p < 2; ++p)
        for (std::size_t i = 0; i < 2; ++i) EXPECT_TRUE(with_feedback.runs_at(i, p)) << i << " " << p;

    network_config three = small_config(1);
    three.training.presentations = 3;
    three.layers[0].lateral.reset();  // nothing reads an earlier presentation at all
    three.layers[0].goal = {0.0, 0.0, 1.0, 0.0, 0.0};
    three.layers[0].activation.type = activation_config::kind::two_class;
    const network feedforward(three, n_pixels, n_classes);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_FALSE(feedforward.runs_at(i, 0));
        EXPECT_FALSE(feedforward.runs_at(i, 1));
        EXPECT_TRUE(feedforward.runs_at(i, 2));
    }
}

// Exchanges per training step: the hidden layer at both presentations, the readout only at the
// last one, and not at all when the owner says it does not need unread outputs.
TEST(Network, ExchangesOnlyWhatIsRead) {
    const auto data = make_data(1, 5);
    for (const bool exchange_unread : {true, false}) {
        std::vector<int> gathers(2, 0);
        network net(small_config(3), n_pixels, n_classes, {},
                    [&](const infomorphic_layer& layer, std::size_t b, bool with_values,
                        layer_activity& out) {
                        ++gathers[layer.name() == "hidden" ? 0 : 1];
                        set_activity(layer.samples(), b, with_values, out);
                    });
        net.set_exchange_unread(exchange_unread);
        net.train_step(data[0].image.data(), data[0].label.data(), batch, 0);
        EXPECT_EQ(gathers[0], 2);
        EXPECT_EQ(gathers[1], exchange_unread ? 1 : 0);
    }
}

// A sparse lateral class reads its partners' packed bits; given only values, it reads floats.
// Both must train the same parameters, bit for bit.
TEST(Network, SparseLateralFromPackedActivityEqualsFromValues) {
    const auto data = make_data(4, 7);
    network_config config = small_config(5);
    config.layers[0].lateral->fan_in = 3;
    network packed(config, n_pixels, n_classes);
    network from_values(config, n_pixels, n_classes, {},
                        [](const infomorphic_layer& layer, std::size_t, bool, layer_activity& out) {
                            out.values.assign(layer.samples().begin(), layer.samples().end());
                            out.bits.clear();
                        });
    ASSERT_TRUE(packed.layers()[0].compartments()[2].sparse);
    train(packed, data);
    train(from_values, data);
    EXPECT_TRUE(same_parameters(packed, from_values));
}

TEST(Network, SameSeedIsBitIdenticalDifferentSeedIsNot) {
    const auto data = make_data(4, 5);
    network a(small_config(11), n_pixels, n_classes);
    network b(small_config(11), n_pixels, n_classes);
    network c(small_config(12), n_pixels, n_classes);
    const network untrained(small_config(11), n_pixels, n_classes);
    train(a, data);
    train(b, data);
    train(c, data);
    EXPECT_EQ(a.updates(), 4u);
    EXPECT_TRUE(same_parameters(a, b));
    for (std::size_t i = 0; i < 2; ++i) EXPECT_TRUE(same_bits(a.activity(i), b.activity(i)));
    EXPECT_FALSE(same_parameters(a, c));
    // Training moved the learned parameters of both layers, and only those.
    for (std::size_t i = 0; i < 2; ++i)
        EXPECT_NE(a.layers()[i].compartments()[0].weight, untrained.layers()[i].compartments()[0].weight);
    EXPECT_EQ(a.layers()[1].compartments()[1].weight, untrained.layers()[1].compartments()[1].weight);
    // Activity is +-1.
    for (std::size_t i = 0; i < 2; ++i)
        for (float x : a.activity(i)) ASSERT_TRUE(x == 1.0f || x == -1.0f);
    // The same seed also reproduces inference with the label withheld.
    a.infer(data[0].image.data(), nullptr, batch, 100);
    b.infer(data[0].image.data(), nullptr, batch, 100);
    EXPECT_TRUE(same_bits(a.layers()[1].theta(), b.layers()[1].theta()));
}

// Two emulated processes, each owning half of every layer, run in two threads. Their gather
// hook is an all-gather through shared memory: each writes its own neurons' samples into a
// shared buffer, waits for the other, and copies the full activity out; a barrier before the
// write keeps the buffer from being overwritten while the other still reads it.
class two_process_exchange {
public:
    explicit two_process_exchange(std::size_t max_values) : shared_(max_values) {}

    activity_gather gather() {
        return [this](const infomorphic_layer& layer, std::size_t b, bool with_values,
                      layer_activity& out) {
            sync_.arrive_and_wait();
            std::copy(layer.samples().begin(), layer.samples().end(),
                      shared_.begin() + static_cast<std::ptrdiff_t>(layer.owned().first * b));
            sync_.arrive_and_wait();
            set_activity(std::span<const float>(shared_.data(), layer.n_neurons() * b), b,
                         with_values, out);
        };
    }

    // A process that fails stops waiting for the other.
    void drop() { sync_.arrive_and_drop(); }

private:
    std::vector<float> shared_;
    std::barrier<> sync_{2};
};

TEST(Network, SplitOwnershipIsBitIdentical) {
    const auto data = make_data(4, 6);
    const network_config config = small_config(21);
    network single(config, n_pixels, n_classes);
    std::vector<std::vector<std::vector<double>>> single_goals;
    for (std::size_t step = 0; step < data.size(); ++step)
        single_goals.push_back(
            single.train_step(data[step].image.data(), data[step].label.data(), batch, step));

    two_process_exchange exchange(7 * batch);
    const ownership halves[2] = {[](std::size_t n) { return neuron_range{0, n / 2}; },
                                 [](std::size_t n) { return neuron_range{n / 2, n}; }};
    std::vector<network> parts;
    parts.reserve(2);
    for (const auto& own : halves) parts.emplace_back(config, n_pixels, n_classes, own, exchange.gather());
    std::vector<std::vector<std::vector<double>>> part_goals[2];
    std::exception_ptr failure[2];
    {
        std::vector<std::thread> threads;
        for (std::size_t p = 0; p < 2; ++p)
            threads.emplace_back([&, p] {
                try {
                    for (std::size_t step = 0; step < data.size(); ++step)
                        part_goals[p].push_back(parts[p].train_step(
                            data[step].image.data(), data[step].label.data(), batch, step));
                } catch (...) {
                    failure[p] = std::current_exception();
                    exchange.drop();
                }
            });
        for (auto& t : threads) t.join();
    }
    for (const auto& f : failure)
        if (f) std::rethrow_exception(f);

    for (std::size_t i = 0; i < 2; ++i) {
        const infomorphic_layer& whole = single.layers()[i];
        const std::size_t n = whole.n_neurons();
        std::size_t covered = 0;
        for (std::size_t p = 0; p < 2; ++p) {
            const infomorphic_layer& part = parts[p].layers()[i];
            const neuron_range r = part.owned();
            EXPECT_EQ(r.first, p == 0 ? 0 : n / 2);
            covered += r.size();
            // Theta of the last presentation.
            EXPECT_TRUE(same_bits(whole.theta().subspan(r.first * batch, r.size() * batch), part.theta()))
                << "layer " << i << " part " << p;
            for (std::size_t k = 0; k < whole.compartments().size(); ++k) {
                const auto& w = whole.compartments()[k];
                const auto& q = part.compartments()[k];
                const std::span<const float> ww(w.weight), wb(w.bias);
                EXPECT_TRUE(same_bits(ww.subspan(r.first * w.n_inputs, r.size() * w.n_inputs), q.weight))
                    << "layer " << i << " compartment " << k << " part " << p;
                EXPECT_TRUE(same_bits(wb.subspan(r.first, r.size()), q.bias))
                    << "layer " << i << " compartment " << k << " part " << p;
            }
            // Every process sees the full activity, the same as the single network's.
            EXPECT_TRUE(same_bits(single.activity(i), parts[p].activity(i))) << "layer " << i;
        }
        EXPECT_EQ(covered, n);
        // The per-neuron goal values of the two parts, joined, are the single network's.
        for (std::size_t step = 0; step < data.size(); ++step) {
            std::vector<double> joined(part_goals[0][step][i]);
            joined.insert(joined.end(), part_goals[1][step][i].begin(), part_goals[1][step][i].end());
            ASSERT_EQ(joined.size(), n);
            for (std::size_t j = 0; j < n; ++j)
                EXPECT_EQ(std::bit_cast<std::uint64_t>(joined[j]),
                          std::bit_cast<std::uint64_t>(single_goals[step][i][j]))
                    << "layer " << i << " step " << step << " neuron " << j;
        }
    }
    // Training changed the weights, so the comparison has teeth.
    const network untrained(config, n_pixels, n_classes);
    EXPECT_FALSE(same_parameters(single, untrained));
}

TEST(Network, ReadoutPredictionsTakeTheArgmax) {
    // 3 classes x 4 samples, all neurons with batch-mean theta < 0.5: a plain argmax.
    const std::vector<float> theta{0.9f, 0.1f, 0.2f, 0.1f,   // mean 0.325
                                   0.3f, 0.4f, 0.1f, 0.0f,   // mean 0.2
                                   0.2f, 0.3f, 0.05f, 0.4f};  // mean 0.2375
    EXPECT_EQ(readout_predictions(theta, 3, 4), (std::vector<int>{0, 1, 0, 2}));
    // Ties go to the lower class index.
    const std::vector<float> tie{0.3f, 0.1f, 0.3f, 0.1f};
    EXPECT_EQ(readout_predictions(tie, 2, 2), (std::vector<int>{0, 0}));
}

TEST(Network, ReadoutPredictionsFlipInvertedNeurons) {
    const std::vector<float> theta{0.9f, 0.1f, 0.2f, 0.1f,   // mean 0.325: kept
                                   0.8f, 0.9f, 0.1f, 0.9f,   // mean 0.675: flipped to 0.2 0.1 0.9 0.1
                                   0.3f, 0.6f, 0.05f, 0.2f};  // mean 0.2875: kept
    // Scores per sample: (0.9, 0.2, 0.3), (0.1, 0.1, 0.6), (0.2, 0.9, 0.05), (0.1, 0.1, 0.2).
    EXPECT_EQ(readout_predictions(theta, 3, 4), (std::vector<int>{0, 2, 1, 2}));
    // A batch mean of exactly 0.5 counts as inverted (>= 0.5).
    const std::vector<float> half{0.25f, 0.75f,  // mean 0.5: flipped to 0.75 0.25
                                  0.5f, 0.5f};
    EXPECT_EQ(readout_predictions(half, 2, 2), (std::vector<int>{0, 1}));
    // Just below 0.5 is not flipped.
    const std::vector<float> below{0.25f, 0.7499f, 0.5f, 0.5f};
    EXPECT_EQ(readout_predictions(below, 2, 2), (std::vector<int>{1, 0}));
}

}  // namespace
}  // namespace infomorph

// The associative-memory task: patterns, the Hebbian rule, recall dynamics (fixed points and
// 2-cycles), learning a few patterns at N = 16, an overloaded memory, and bad settings.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/io/config.hpp>
#include <infomorph/io/memory_patterns.hpp>
#include <infomorph/model/activity_packing.hpp>
#include <infomorph/model/memory_network.hpp>
#include <infomorph/train/capacity.hpp>
#include <infomorph/train/memory_task.hpp>

#include <gtest/gtest.h>

#include <bit>
#include <numeric>
#include <string>

namespace infomorph {
namespace {

// A memory configuration as configs/memory.toml has it, for n neurons and the given extra lines
// (TOML keys of the top level or of sections named in them).
std::string memory_toml(int n, const std::string& memory_keys = "", const std::string& layer_goal =
                                                                         "{ \"{1}{2}\" = 1.0 }") {
    return "task = \"memory\"\n[training]\nepochs = 400\nseed = 3\n[memory]\n" + memory_keys +
           "\n[[layers]]\nname = \"memory\"\nneurons = " + std::to_string(n) +
           "\nlearning_rate = 0.05\nweight_decay = 0.0\ngoal = " + layer_goal +
           "\nactivation = { kind = \"additive\" }\n"
           "receptive = { source = \"pattern\", diagonal = true, initial_weight = 1.0, bias = "
           "false, binning = { kind = \"fixed\", bins = 2, low = -20.0, high = 20.0 } }\n"
           "lateral = { fan_in = 0, bias = false, binning = { kind = \"fixed\", bins = 60, low = "
           "-20.0, high = 20.0 } }\n";
}

network_config memory_config_of(int n, const std::string& memory_keys = "") {
    return io::parse_config(memory_toml(n, memory_keys), "test");
}

std::vector<std::size_t> all_rows(std::size_t p) {
    std::vector<std::size_t> rows(p);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    return rows;
}

TEST(MemoryPatterns, DeterministicBalancedAndKeyedBySeed) {
    const io::pattern_set a = io::random_patterns(100, 50, 7);
    const io::pattern_set b = io::random_patterns(100, 50, 7);
    const io::pattern_set c = io::random_patterns(100, 50, 8);
    EXPECT_EQ(a.bits, b.bits);
    EXPECT_NE(a.bits, c.bits);
    std::size_t ones = 0;
    for (std::size_t mu = 0; mu < 50; ++mu)
        for (std::size_t j = 0; j < 100; ++j) ones += a.bit(mu, j);
    EXPECT_NEAR(static_cast<double>(ones) / 5000.0, 0.5, 0.03);
    // Padding bits stay 0 (the recall code compares whole words).
    EXPECT_EQ(a.bits[1] >> 36, 0u);
    EXPECT_THROW(io::random_patterns(10, 0, 1), std::invalid_argument);
}

TEST(MemoryPatterns, FlipsExactlyTheFractionOfBits) {
    const io::pattern_set p = io::random_patterns(40, 6, 1);
    const io::pattern_set f = io::with_flipped_bits(p, 0.25, 1);
    for (std::size_t mu = 0; mu < 6; ++mu) {
        std::size_t differ = 0;
        for (std::size_t j = 0; j < 40; ++j) differ += p.bit(mu, j) != f.bit(mu, j);
        EXPECT_EQ(differ, 10u) << "pattern " << mu;
    }
    EXPECT_EQ(io::with_flipped_bits(p, 0.0, 1).bits, p.bits);
    EXPECT_THROW(io::with_flipped_bits(p, 1.5, 1), std::invalid_argument);
}

TEST(MemoryPatterns, NeuronMajorMatchesTheBits) {
    const io::pattern_set p = io::random_patterns(70, 5, 2);
    const std::vector<std::size_t> rows = {4, 0, 2};
    const auto words = io::neuron_major(p, rows);
    std::vector<float> values(70 * 3);
    unpack_activity(words, 3, values);
    for (std::size_t j = 0; j < 70; ++j)
        for (std::size_t b = 0; b < 3; ++b)
            EXPECT_EQ(values[j * 3 + b], p.bit(rows[b], j) ? 1.0f : -1.0f);
}

TEST(MemoryNetwork, HebbianWeightsEqualTheOuterProductSum) {
    const network_config config = memory_config_of(16);
    memory_network net(config.layers.front(), 3, {0, 16});
    const io::pattern_set p = io::random_patterns(16, 5, 3);
    net.set_hebbian(io::neuron_major(p, all_rows(5)), 5);
    const compartment& c = net.layer().compartments()[1];
    ASSERT_EQ(c.n_inputs, 15u);
    for (std::size_t j = 0; j < 16; ++j)
        for (std::size_t k = 0; k < 15; ++k) {
            const std::size_t other = c.partner[j * 15 + k];
            EXPECT_NE(other, j);  // zero diagonal: no self-connection at all
            int sum = 0;
            for (std::size_t mu = 0; mu < 5; ++mu)
                sum += (p.bit(mu, j) ? 1 : -1) * (p.bit(mu, other) ? 1 : -1);
            EXPECT_EQ(c.weight[j * 15 + k], static_cast<float>(sum)) << j << " " << other;
        }
}

// Two neurons that inhibit each other: (+1, +1) and (-1, -1) alternate (a 2-cycle), while
// (+1, -1) is a fixed point.
TEST(MemoryNetwork, DetectsFixedPointsAndTwoCycles) {
    const network_config config = memory_config_of(2, "patterns = 1");
    memory_network net(config.layers.front(), 1, {0, 2});
    compartment& c = net.layer().compartments()[1];
    c.weight = {-1.0f, -1.0f};
    // Batch of 3 starts: (+,+), (+,-), (-,-); neuron-major values.
    const std::vector<float> start = {1, 1, -1, 1, -1, -1};
    std::vector<std::uint64_t> words(2);
    pack_activity(start, 3, words);
    const recall_result r = net.recall(words, 3, 10);
    EXPECT_EQ(r.end[0], recall_end::two_cycle);
    EXPECT_EQ(r.end[1], recall_end::fixed_point);
    EXPECT_EQ(r.end[2], recall_end::two_cycle);
    EXPECT_EQ(r.steps[1], 1);
    EXPECT_EQ(r.steps[0], 2);
    // A cycling pattern is frozen at the later of its two states: (+,+) -> (-,-) -> (+,+).
    std::vector<float> final_values(6);
    unpack_activity(r.final_states, 3, final_values);
    EXPECT_EQ(final_values[0], 1.0f);
    EXPECT_EQ(final_values[3], 1.0f);
    EXPECT_EQ(final_values[2], -1.0f);
    // With too few steps the cycle is not seen.
    EXPECT_EQ(net.recall(words, 3, 1).end[0], recall_end::step_limit);
}

TEST(MemoryNetwork, ZeroFieldKeepsTheOldState) {
    const network_config config = memory_config_of(3, "patterns = 1");
    memory_network net(config.layers.front(), 1, {0, 3});
    net.layer().compartments()[1].weight.assign(6, 0.0f);
    const std::vector<float> start = {1, -1, -1, 1, 1, -1};
    std::vector<std::uint64_t> words(3);
    pack_activity(start, 2, words);
    const recall_result r = net.recall(words, 2, 5);
    EXPECT_EQ(r.final_states, words);
    EXPECT_EQ(r.end[0], recall_end::fixed_point);
}

recall_summary recall_after_training(const std::string& memory_keys, int n) {
    memory_task task(memory_config_of(n, memory_keys), make_local_context());
    for (int e = 0; e < task.config().training.epochs && !task.done(); ++e) task.run_epoch(e);
    return task.recall(0.0);
}

// Hebbian: 2 patterns (load 0.125, below its capacity of about 0.14). Infomorphic: 8 (load
// 0.5). The learned rule needs a few more patterns than 2 to 4: its goal is estimated from a
// histogram over the patterns, and with so few of them a neuron whose bit (or whose binned
// recurrent drive) is the same in every pattern sees zero redundancy and no gradient at all.
TEST(MemoryTask, BothRulesRecallAFewPatternsExactly) {
    for (const char* keys : {"rule = \"hebbian\"\npatterns = 2", "rule = \"infomorphic\"\npatterns = 8"}) {
        const recall_summary r = recall_after_training(keys, 16);
        EXPECT_EQ(r.recalled_fraction, 1.0) << keys;
        EXPECT_EQ(r.mean_cosine, 1.0) << keys;
        EXPECT_EQ(r.fixed_point_fraction, 1.0) << keys;
    }
}

TEST(MemoryTask, TrainingStopsEarlyOnceRecalled) {
    memory_task task(memory_config_of(16, "patterns = 8"), make_local_context());
    int epochs = 0;
    while (!task.done() && epochs < 400) task.run_epoch(epochs++);
    EXPECT_TRUE(task.done());
    EXPECT_LT(epochs, 400);
}

TEST(MemoryTask, AnOverloadedMemoryFailsToRecall) {
    // 24 patterns in 16 neurons: far beyond the capacity of either rule.
    for (const char* rule : {"hebbian", "infomorphic"}) {
        const recall_summary r =
            recall_after_training(std::string("rule = \"") + rule + "\"\npatterns = 24", 16);
        EXPECT_LT(r.recalled_fraction, 0.95) << rule;
    }
}

TEST(MemoryTask, ResultsAreKeyedBySeedOnly) {
    auto weights = [](std::uint64_t seed) {
        network_config config = memory_config_of(12, "patterns = 3");
        config.training.seed = seed;
        memory_task task(config, make_local_context());
        for (int e = 0; e < 5; ++e) task.run_epoch(e);
        return task.model().layer().compartments()[1].weight;
    };
    EXPECT_EQ(weights(5), weights(5));
    EXPECT_NE(weights(5), weights(6));
}

TEST(MemoryTask, RecallChecksAreLogSpaced) {
    EXPECT_EQ(recall_check_epochs(1000, 4), (std::vector<int>{1, 10, 100, 1000}));
    EXPECT_EQ(recall_check_epochs(5, 15), (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_EQ(recall_check_epochs(7, 1), (std::vector<int>{7}));
}

TEST(Capacity, LoadGridSkipsRepeatedPatternCounts) {
    capacity_config grid;
    grid.start = 0.2;
    grid.step = 0.02;
    grid.stop = 2.0;
    const auto loads = capacity_loads(grid, 100);
    ASSERT_EQ(loads.size(), 91u);
    EXPECT_DOUBLE_EQ(loads.back(), 2.0);
    // At N = 10 the steps of 0.02 give 2, 2, 2, 3, ... patterns: one load per count.
    EXPECT_EQ(capacity_loads(grid, 10).size(), 19u);
}

TEST(Capacity, SeedLists) {
    EXPECT_EQ(parse_seed_list("1-3,7 9"), (std::vector<std::uint64_t>{1, 2, 3, 7, 9}));
    EXPECT_THROW(parse_seed_list("x"), std::invalid_argument);
    EXPECT_THROW(parse_seed_list("5-2"), std::invalid_argument);
    // A range that ends at the largest seed (its loop once never ended).
    EXPECT_EQ(parse_seed_list("18446744073709551614-18446744073709551615"),
              (std::vector<std::uint64_t>{18446744073709551614ULL, 18446744073709551615ULL}));
    EXPECT_THROW(parse_seed_list("18446744073709551616"), std::invalid_argument);
    EXPECT_THROW(parse_seed_list(""), std::invalid_argument);
}

void expect_config_error(const std::string& toml, const std::string& needle) {
    try {
        io::parse_config(toml, "memory.toml");
        ADD_FAILURE() << "no error for: " << needle;
    } catch (const io::config_error& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST(MemoryConfig, BadSettingsNameTheProblem) {
    expect_config_error(memory_toml(16, "patterns = 0"), "memory.patterns must be at least 1");
    expect_config_error(memory_toml(1), "must be at least 2");
    expect_config_error(memory_toml(16, "load = 0.0"), "memory.load must be in (0");
    expect_config_error(memory_toml(16, "load = 40.0"), "memory.load must be in (0");
    expect_config_error(memory_toml(16, "load = 0.01"), "gives no pattern");
    expect_config_error(memory_toml(16, "", "[0, 0, 1, 0]"), "5 values");
    expect_config_error(memory_toml(16, "rule = \"oja\""), "memory.rule must be one of");
    expect_config_error(memory_toml(16, "flip_fraction = 1.5"), "memory.flip_fraction");
    // The memory's data is "pattern" and nothing else.
    std::string toml = memory_toml(16);
    toml.replace(toml.find("\"pattern\""), 9, "\"image\"");
    expect_config_error(toml, "must be \"pattern\" in the memory task");
    // A [memory] section in a classification run is a mistake, not ignored.
    std::string classification = memory_toml(16);
    classification.replace(0, classification.find('\n'), "task = \"classification\"");
    expect_config_error(classification, "applies only to task = \"memory\"");
}

TEST(MemoryConfig, RoundTripsThroughTheEffectiveConfiguration) {
    const network_config config =
        memory_config_of(16, "rule = \"hebbian\"\nload = 0.5\nflip_fraction = 0.1");
    const network_config again = io::parse_config(io::to_toml(config), "again");
    EXPECT_EQ(io::to_toml(again), io::to_toml(config));
    EXPECT_EQ(again.memory.rule, memory_rule::hebbian);
    EXPECT_EQ(memory_pattern_count(again), 8u);
    ASSERT_TRUE(again.layers.front().receptive.initial_weight);
    EXPECT_EQ(*again.layers.front().receptive.initial_weight, 1.0);
    EXPECT_TRUE(again.layers.front().receptive.diagonal);
}

}  // namespace
}  // namespace infomorph

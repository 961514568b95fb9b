// The per-neuron local goal: the per-sample slope dG/dtheta_b against central finite
// differences of G (bins do not depend on theta, so G is smooth in theta), its consistency with
// the PID of the same histogram, and finiteness at saturated theta.

#include <infomorph/estimate/binning.hpp>
#include <infomorph/estimate/local_goal.hpp>
#include <infomorph/model/network_config.hpp>
#include <infomorph/pid/lattice.hpp>

#include "config_builders.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <span>
#include <vector>

namespace infomorph {
namespace {

using testing::fixed;
using testing::adaptive;


std::size_t n_gamma(int n_sources) {
    return pid::redundancy_lattice::of(n_sources).size() + 1;
}

struct problem {
    std::vector<std::vector<float>> sources;
    std::vector<binning_config> binnings;
    std::vector<float> theta;
    std::vector<double> gamma;

    std::vector<std::span<const float>> views() const {
        std::vector<std::span<const float>> v;
        for (const auto& s : sources) v.emplace_back(s);
        return v;
    }
};

problem random_problem(int n_sources, std::size_t batch, std::mt19937& rng, float theta_low,
                       float theta_high) {
    problem p;
    std::normal_distribution<float> normal(0.0f, 1.5f);
    std::uniform_real_distribution<float> t(theta_low, theta_high);
    std::uniform_real_distribution<double> g(-1.0, 1.0);
    for (int i = 0; i < n_sources; ++i) {
        std::vector<float> s(batch);
        for (auto& x : s) x = normal(rng);
        p.sources.push_back(std::move(s));
        // Few bins, so that cells hold several samples; one adaptive source when n > 2.
        p.binnings.push_back(i == 2 ? adaptive(3) : fixed(4, -3, 3));
    }
    p.theta.resize(batch);
    for (auto& x : p.theta) x = t(rng);
    p.gamma.resize(n_gamma(n_sources));
    for (auto& x : p.gamma) x = g(rng);
    return p;
}

double goal_value(local_goal& goal, const problem& p, const std::vector<float>& theta) {
    std::vector<float> slope(theta.size());
    return goal.gradient(p.views(), p.binnings, theta, slope);
}

void check_slopes_against_finite_differences(int n_sources, unsigned seed) {
    std::mt19937 rng(seed);
    const std::size_t batch = 48;
    for (int trial = 0; trial < 3; ++trial) {
        const problem p = random_problem(n_sources, batch, rng, 0.05f, 0.95f);
        local_goal goal(n_sources, p.gamma);
        std::vector<float> slope(batch);
        const double value = goal.gradient(p.views(), p.binnings, p.theta, slope);
        ASSERT_TRUE(std::isfinite(value));
        ASSERT_GT(goal.n_cells(), 1u);

        double max_slope = 0;
        for (float s : slope) max_slope = std::max(max_slope, std::abs(double{s}));
        ASSERT_GT(max_slope, 0.0);
        for (std::size_t b = 0; b < batch; ++b) {
            // A power-of-two step keeps theta +- h exact in float for theta in (0.05, 0.95).
            const float h = 0x1.0p-12f;
            std::vector<float> plus(p.theta), minus(p.theta);
            plus[b] += h;
            minus[b] -= h;
            local_goal other(n_sources, p.gamma);
            const double fd = (goal_value(other, p, plus) - goal_value(other, p, minus)) /
                              (static_cast<double>(plus[b]) - minus[b]);
            EXPECT_NEAR(slope[b], fd, 1e-4 * max_slope + 1e-6 * std::abs(fd))
                << "n = " << n_sources << " trial " << trial << " sample " << b;
        }
        // The goal value does not depend on the slope buffer or on earlier calls.
        local_goal fresh(n_sources, p.gamma);
        EXPECT_EQ(goal_value(fresh, p, p.theta), value);
    }
}

TEST(LocalGoal, SlopeMatchesFiniteDifferencesTwoSources) {
    check_slopes_against_finite_differences(2, 21);
}

TEST(LocalGoal, SlopeMatchesFiniteDifferencesThreeSources) {
    check_slopes_against_finite_differences(3, 22);
}

// dG/dtheta_b depends on sample b only through its cell: samples sharing all bins share slopes.
TEST(LocalGoal, SamplesInOneCellShareTheirSlope) {
    std::mt19937 rng(23);
    for (int n : {2, 3}) {
        const problem p = random_problem(n, 200, rng, 0.05f, 0.95f);
        local_goal goal(n, p.gamma);
        std::vector<float> slope(200);
        goal.gradient(p.views(), p.binnings, p.theta, slope);
        std::vector<std::vector<std::uint16_t>> bins(static_cast<std::size_t>(n),
                                                     std::vector<std::uint16_t>(200));
        for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i)
            assign_bins(p.binnings[i], p.sources[i], bins[i]);
        std::size_t shared = 0;
        for (std::size_t a = 0; a < 200; ++a)
            for (std::size_t b = a + 1; b < 200; ++b) {
                bool same = true;
                for (std::size_t i = 0; i < bins.size(); ++i) same = same && bins[i][a] == bins[i][b];
                if (!same) continue;
                ++shared;
                EXPECT_EQ(slope[a], slope[b]);
            }
        EXPECT_GT(shared, 0u);
    }
}

// The returned G equals sum gamma_a * Pi_a + gamma_res * H_res of the same histogram.
TEST(LocalGoal, GoalValueEqualsWeightedAtomsOfTheDecomposition) {
    std::mt19937 rng(24);
    for (int n : {2, 3}) {
        const problem p = random_problem(n, 100, rng, 0.02f, 0.98f);
        local_goal goal(n, p.gamma);
        std::vector<float> slope(100);
        const double value = goal.gradient(p.views(), p.binnings, p.theta, slope);
        const pid::pid_values pv = goal.decompose(p.views(), p.binnings, p.theta);
        ASSERT_EQ(pv.atoms.size() + 1, p.gamma.size());
        double expected = p.gamma.back() * pv.h_res;
        for (std::size_t a = 0; a < pv.atoms.size(); ++a) expected += p.gamma[a] * pv.atoms[a];
        EXPECT_NEAR(value, expected, 1e-10);
    }
}

// A pure-redundancy goal on a neuron whose theta follows both (identical) sources rewards making
// theta follow them more: the slopes push theta up where the sources are positive.
TEST(LocalGoal, RedundancyGoalSlopeHasTheExpectedSign) {
    const std::size_t batch = 64;
    std::vector<float> s(batch), theta(batch);
    for (std::size_t b = 0; b < batch; ++b) {
        s[b] = b % 2 ? 1.0f : -1.0f;
        theta[b] = b % 2 ? 0.7f : 0.3f;
    }
    const std::vector<std::span<const float>> sources{s, s};
    const std::vector<binning_config> binnings{fixed(2, -2, 2), fixed(2, -2, 2)};
    const std::vector<double> gamma{0, 0, 1, 0, 0};  // {1}{2}
    local_goal goal(2, gamma);
    std::vector<float> slope(batch);
    const double value = goal.gradient(sources, binnings, theta, slope);
    // I(Y : S) for a binary symmetric channel with error 0.3: 1 - H2(0.3) = 0.1187 bits.
    EXPECT_NEAR(value, 1 - (-(0.3 * std::log2(0.3) + 0.7 * std::log2(0.7))), 1e-6);
    for (std::size_t b = 0; b < batch; ++b) {
        if (s[b] > 0)
            EXPECT_GT(slope[b], 0.0f);
        else
            EXPECT_LT(slope[b], 0.0f);
    }
}

TEST(LocalGoal, SlopesAreFiniteAtSaturatedTheta) {
    std::mt19937 rng(25);
    for (int n : {2, 3}) {
        for (float edge : {1e-6f, 1.0f - 1e-6f}) {
            problem p = random_problem(n, 64, rng, 0.05f, 0.95f);
            // Half of the samples saturated, then all of them.
            for (std::size_t b = 0; b < 64; b += 2) p.theta[b] = edge;
            for (int round = 0; round < 2; ++round) {
                local_goal goal(n, p.gamma);
                std::vector<float> slope(64);
                const double value = goal.gradient(p.views(), p.binnings, p.theta, slope);
                EXPECT_TRUE(std::isfinite(value));
                for (float x : slope) EXPECT_TRUE(std::isfinite(x)) << "n = " << n << " edge " << edge;
                std::fill(p.theta.begin(), p.theta.end(), edge);
            }
            // Mixed saturation on both sides.
            for (std::size_t b = 0; b < 64; ++b) p.theta[b] = b % 3 == 0 ? 1e-6f : (b % 3 == 1 ? 1.0f - 1e-6f : 0.5f);
            local_goal goal(n, p.gamma);
            std::vector<float> slope(64);
            EXPECT_TRUE(std::isfinite(goal.gradient(p.views(), p.binnings, p.theta, slope)));
            for (float x : slope) EXPECT_TRUE(std::isfinite(x));
        }
    }
}

TEST(LocalGoal, RejectsWrongNumberOfSources) {
    const std::vector<double> gamma{0, 0, 1, 0, 0};
    local_goal goal(2, gamma);
    const std::vector<float> s(8, 1.0f), theta(8, 0.5f);
    std::vector<float> slope(8);
    const std::vector<std::span<const float>> one{s};
    const std::vector<binning_config> binnings{adaptive(4)};
    EXPECT_THROW(goal.gradient(one, binnings, theta, slope), std::invalid_argument);
    // A gamma vector of the wrong length is rejected too.
    const std::vector<double> bad{1, 2, 3};
    EXPECT_THROW(local_goal(2, bad), std::invalid_argument);
}

}  // namespace
}  // namespace infomorph

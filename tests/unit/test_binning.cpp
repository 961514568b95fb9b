// Binning of one source scalar over a minibatch: fixed edges with clamping, and adaptive bins
// on the batch's max |value|.

#include <infomorph/estimate/binning.hpp>
#include <infomorph/model/network_config.hpp>

#include "config_builders.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace infomorph {
namespace {

using testing::fixed;
using testing::adaptive;


std::vector<std::uint16_t> bins_of(const binning_config& c, const std::vector<float>& values) {
    std::vector<std::uint16_t> bins(values.size(), 0xffff);
    assign_bins(c, values, bins);
    return bins;
}

TEST(Binning, FixedBinCentresLandInTheirBins) {
    for (const auto& c : {fixed(20, -20, 20), fixed(4, 0, 1), fixed(7, -3, 11), fixed(2, -20, 20)}) {
        const double width = (c.high - c.low) / c.bins;
        std::vector<float> values;
        for (int k = 0; k < c.bins; ++k) values.push_back(static_cast<float>(c.low + (k + 0.5) * width));
        const auto bins = bins_of(c, values);
        for (int k = 0; k < c.bins; ++k) EXPECT_EQ(bins[static_cast<std::size_t>(k)], k) << values[static_cast<std::size_t>(k)];
    }
}

TEST(Binning, FixedEdgesAndClamping) {
    // 20 bins on [-20, 20]: bin k is [-20 + 2k, -18 + 2k).
    const auto c = fixed(20, -20, 20);
    const std::vector<float> values{-20.0f, -19.999f, -18.001f, -17.999f, -0.001f, 0.0f, 0.001f,
                                    1.999f, 2.001f, 17.999f, 18.001f, 19.999f, 20.0f};
    const std::vector<std::uint16_t> expected{0, 0, 0, 1, 9, 10, 10, 10, 11, 18, 19, 19, 19};
    EXPECT_EQ(bins_of(c, values), expected);
    // Outside the range: clamped into the edge bins.
    const std::vector<float> outside{-20.001f, -1000.0f, -1e30f, 20.001f, 1000.0f, 1e30f,
                                     -std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::infinity()};
    EXPECT_EQ(bins_of(c, outside), (std::vector<std::uint16_t>{0, 0, 0, 19, 19, 19, 0, 19}));
    // NaN is documented to land in bin 0.
    EXPECT_EQ(bins_of(c, {std::nanf("")}), (std::vector<std::uint16_t>{0}));
}

TEST(Binning, FixedBinsAreMonotoneAndDoNotDependOnTheBatch) {
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-30.0f, 30.0f);
    std::vector<float> values(500);
    for (auto& v : values) v = u(rng);
    const auto c = fixed(20, -20, 20);
    const auto bins = bins_of(c, values);
    for (std::size_t i = 0; i < values.size(); ++i) {
        // Each value alone gets the same bin as in the batch.
        EXPECT_EQ(bins_of(c, {values[i]})[0], bins[i]);
        const double expected = std::clamp(std::floor((values[i] + 20.0) / 2.0), 0.0, 19.0);
        EXPECT_EQ(bins[i], static_cast<std::uint16_t>(expected)) << values[i];
    }
}

TEST(Binning, AdaptiveDividesByMaxAbs) {
    const auto c = adaptive(20);
    // max |x| = 4: +4 -> +1 -> last bin, -4 -> -1 -> first bin, 0 -> position 10 (K = 20 is
    // even, so 0 is the lower edge of bin 10); 2 / 4 = 0.5 -> position 15; -0.5 -> 5;
    // 0.4 / 4 = 0.1 -> 11; -3.6 / 4 = -0.9 -> position just above 1 in float.
    const std::vector<float> values{-4.0f, 4.0f, 0.0f, 2.0f, -2.0f, 0.4f, -3.6f};
    EXPECT_EQ(bins_of(c, values), (std::vector<std::uint16_t>{0, 19, 10, 15, 5, 11, 1}));

    // The max may be attained by a negative value only: -max lands in the first bin, +max/2 in
    // the bin of 0.5.
    EXPECT_EQ(bins_of(c, {-8.0f, 4.0f, 0.0f}), (std::vector<std::uint16_t>{0, 15, 10}));
    // Only positive values: the max lands in the last bin, nothing below the bin of 0.
    EXPECT_EQ(bins_of(c, {0.5f, 1.0f, 0.25f}), (std::vector<std::uint16_t>{15, 19, 12}));

    // An odd bin count puts 0 in the middle bin.
    EXPECT_EQ(bins_of(adaptive(5), {-2.0f, 0.0f, 2.0f, 1.0f, -1.0f}),
              (std::vector<std::uint16_t>{0, 2, 4, 3, 1}));
}

TEST(Binning, AdaptiveIsScaleInvariantAndSymmetric) {
    std::mt19937 rng(4);
    std::uniform_real_distribution<float> u(-5.0f, 5.0f);
    std::vector<float> values(300);
    for (auto& v : values) v = u(rng);
    const auto c = adaptive(7);
    const auto bins = bins_of(c, values);
    // Scaling by a power of two is exact, so the bins cannot change.
    for (float factor : {0.125f, 4.0f, 1024.0f}) {
        std::vector<float> scaled(values);
        for (auto& v : scaled) v *= factor;
        EXPECT_EQ(bins_of(c, scaled), bins) << factor;
    }
    // x -> -x mirrors the bins (K - 1 - k), away from edges (odd K: 0 is no edge).
    std::vector<float> negated(values);
    for (auto& v : negated) v = -v;
    const auto mirrored = bins_of(c, negated);
    float max_abs = 0;
    for (float v : values) max_abs = std::max(max_abs, std::abs(v));
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double position = (values[i] / max_abs + 1.0) / 2.0 * 7;
        if (std::abs(position - std::round(position)) < 1e-4) continue;  // on an edge
        EXPECT_EQ(mirrored[i], 6 - bins[i]) << values[i];
    }
}

TEST(Binning, AdaptiveAllZeroSourceLandsInTheBinOfZero) {
    EXPECT_EQ(bins_of(adaptive(20), std::vector<float>(9, 0.0f)), std::vector<std::uint16_t>(9, 10));
    EXPECT_EQ(bins_of(adaptive(5), std::vector<float>(4, 0.0f)), std::vector<std::uint16_t>(4, 2));
    // -0.0 too.
    EXPECT_EQ(bins_of(adaptive(5), std::vector<float>(3, -0.0f)), std::vector<std::uint16_t>(3, 2));
}

TEST(Binning, AdaptiveSingleSampleLandsInAnEdgeBin) {
    EXPECT_EQ(bins_of(adaptive(20), {0.37f}), (std::vector<std::uint16_t>{19}));
    EXPECT_EQ(bins_of(adaptive(20), {-5.0f}), (std::vector<std::uint16_t>{0}));
}

TEST(Binning, EmptyBatchIsFine) {
    std::vector<std::uint16_t> none;
    assign_bins(adaptive(20), std::span<const float>{}, none);
    assign_bins(fixed(20, -20, 20), std::span<const float>{}, none);
    SUCCEED();
}

}  // namespace
}  // namespace infomorph

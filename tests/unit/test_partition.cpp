#include <infomorph/model/partition.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace infomorph {
namespace {

TEST(BlockPartition, FirstRanksGetTheRemainder) {
    // 10 neurons over 4 ranks: 3, 3, 2, 2.
    EXPECT_EQ(owned_range(10, 4, 0), (neuron_range{0, 3}));
    EXPECT_EQ(owned_range(10, 4, 1), (neuron_range{3, 6}));
    EXPECT_EQ(owned_range(10, 4, 2), (neuron_range{6, 8}));
    EXPECT_EQ(owned_range(10, 4, 3), (neuron_range{8, 10}));
}

TEST(BlockPartition, OneRankOwnsEverything) {
    EXPECT_EQ(owned_range(7, 1, 0), (neuron_range{0, 7}));
    EXPECT_EQ(owned_range(0, 1, 0), (neuron_range{0, 0}));
}

TEST(BlockPartition, MoreRanksThanNeuronsLeavesTrailingRanksEmpty) {
    // 2 neurons over 4 ranks: ranks 2 and 3 own nothing, and their empty ranges sit at the end.
    EXPECT_EQ(owned_range(2, 4, 0), (neuron_range{0, 1}));
    EXPECT_EQ(owned_range(2, 4, 1), (neuron_range{1, 2}));
    EXPECT_TRUE(owned_range(2, 4, 2).empty());
    EXPECT_TRUE(owned_range(2, 4, 3).empty());
    EXPECT_EQ(owned_range(2, 4, 3).first, 2u);
    EXPECT_EQ(owner_rank(2, 4, 0), 0);
    EXPECT_EQ(owner_rank(2, 4, 1), 1);
    EXPECT_TRUE(owned_range(0, 3, 1).empty());
}

// Over many shapes: the ranges tile [0, n) in rank order, sizes differ by at most one with the
// larger ones first, and owner_rank inverts owned_range.
TEST(BlockPartition, RangesTileAllNeuronsAndOwnerInvertsThem) {
    for (std::size_t n = 0; n <= 40; ++n) {
        for (int p = 1; p <= 9; ++p) {
            std::size_t expected_first = 0;
            std::size_t previous_size = n + 1;
            for (int r = 0; r < p; ++r) {
                const neuron_range range = owned_range(n, p, r);
                ASSERT_EQ(range.first, expected_first) << "n=" << n << " p=" << p << " r=" << r;
                ASSERT_LE(range.size(), previous_size);
                ASSERT_LE(range.size(), n / static_cast<std::size_t>(p) + 1);
                ASSERT_GE(range.size(), n / static_cast<std::size_t>(p));
                for (std::size_t id = range.first; id < range.last; ++id) {
                    ASSERT_EQ(owner_rank(n, p, id), r) << "n=" << n << " p=" << p << " id=" << id;
                    ASSERT_TRUE(range.contains(id));
                }
                expected_first = range.last;
                previous_size = range.size();
            }
            ASSERT_EQ(expected_first, n) << "n=" << n << " p=" << p;
        }
    }
}

TEST(BlockPartition, RejectsInvalidArguments) {
    EXPECT_THROW(owned_range(10, 0, 0), std::invalid_argument);
    EXPECT_THROW(owned_range(10, 4, 4), std::invalid_argument);
    EXPECT_THROW(owned_range(10, 4, -1), std::invalid_argument);
    EXPECT_THROW(owner_rank(10, 0, 0), std::invalid_argument);
    EXPECT_THROW(owner_rank(10, 4, 10), std::out_of_range);
    EXPECT_THROW(owner_rank(0, 4, 0), std::out_of_range);
}

TEST(BlockPartition, ErrorMessagesNameTheValues) {
    try {
        owned_range(10, 4, 7);
        FAIL() << "expected std::invalid_argument";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("rank 7"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace infomorph

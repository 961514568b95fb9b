#include <infomorph/pid/lattice.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace infomorph::pid {
namespace {

std::vector<std::string> names(const redundancy_lattice& lattice) {
    std::vector<std::string> result;
    for (std::size_t i = 0; i < lattice.size(); ++i) result.push_back(lattice.name(i));
    return result;
}

TEST(RedundancyLattice, SizesFollowTheDedekindNumbersMinusTwo) {
    EXPECT_EQ(redundancy_lattice(1).size(), 1u);
    EXPECT_EQ(redundancy_lattice(2).size(), 4u);
    EXPECT_EQ(redundancy_lattice(3).size(), 18u);
    EXPECT_EQ(redundancy_lattice(4).size(), 166u);
}

TEST(RedundancyLattice, RejectsUnsupportedSourceCounts) {
    EXPECT_THROW(redundancy_lattice(0), std::invalid_argument);
    EXPECT_THROW(redundancy_lattice(5), std::invalid_argument);
}

TEST(RedundancyLattice, TwoSourceOrderIsUniqueUniqueRedundancySynergy) {
    EXPECT_EQ(names(redundancy_lattice::of(2)),
              (std::vector<std::string>{"{1}", "{2}", "{1}{2}", "{12}"}));
}

TEST(RedundancyLattice, ThreeSourceOrderMatchesThePublishedGoalVectors) {
    EXPECT_EQ(names(redundancy_lattice::of(3)),
              (std::vector<std::string>{"{1}{2}{3}", "{1}{2}", "{1}{3}", "{2}{3}", "{1}{23}",
                                        "{2}{13}", "{3}{12}", "{1}", "{2}", "{3}",
                                        "{12}{13}{23}", "{12}{13}", "{12}{23}", "{13}{23}",
                                        "{12}", "{13}", "{23}", "{123}"}));
}

TEST(RedundancyLattice, FourSourceOrderStartsAtTheBottomAndEndsAtTheTop) {
    const auto& lattice = redundancy_lattice::of(4);
    EXPECT_EQ(lattice.name(0), "{1}{2}{3}{4}");
    EXPECT_EQ(lattice.name(lattice.size() - 1), "{1234}");
    EXPECT_EQ(lattice.full_index(), lattice.size() - 1);
}

TEST(RedundancyLattice, OrderIsAPartialOrderWithBottomAndTop) {
    for (int n = 1; n <= 4; ++n) {
        const auto& lattice = redundancy_lattice::of(n);
        std::string all_singletons;
        for (int i = 1; i <= n; ++i) all_singletons.append("{").append(std::to_string(i)).append("}");
        const std::size_t bottom = *lattice.find(all_singletons);
        const std::size_t top = lattice.full_index();
        for (std::size_t a = 0; a < lattice.size(); ++a) {
            EXPECT_TRUE(lattice.precedes(a, a));
            EXPECT_TRUE(lattice.precedes(bottom, a)) << lattice.name(a);
            EXPECT_TRUE(lattice.precedes(a, top)) << lattice.name(a);
            for (std::size_t b = 0; b < lattice.size(); ++b) {
                if (a != b) {
                    EXPECT_FALSE(lattice.precedes(a, b) && lattice.precedes(b, a));
                }
                for (std::size_t c = 0; c < lattice.size(); ++c) {
                    if (lattice.precedes(a, b) && lattice.precedes(b, c)) {
                        EXPECT_TRUE(lattice.precedes(a, c));
                    }
                }
            }
        }
    }
}

TEST(RedundancyLattice, TwoSourceOrderRelations) {
    const auto& lattice = redundancy_lattice::of(2);
    const auto red = *lattice.find("{1}{2}");
    const auto u1 = *lattice.find("{1}");
    const auto u2 = *lattice.find("{2}");
    const auto syn = *lattice.find("{12}");
    EXPECT_TRUE(lattice.precedes(red, u1));
    EXPECT_TRUE(lattice.precedes(red, u2));
    EXPECT_FALSE(lattice.precedes(u1, u2));
    EXPECT_FALSE(lattice.precedes(u2, u1));
    EXPECT_TRUE(lattice.precedes(u1, syn));
}

TEST(RedundancyLattice, MoebiusInvertsTheZetaMatrix) {
    for (int n = 1; n <= 4; ++n) {
        const auto& lattice = redundancy_lattice::of(n);
        const std::size_t size = lattice.size();
        for (std::size_t a = 0; a < size; ++a)
            for (std::size_t b = 0; b < size; ++b) {
                int sum = 0;  // (M Z)(a, b) = sum over g of M(a, g) [b <= g]
                for (std::size_t g = 0; g < size; ++g)
                    sum += lattice.moebius(a, g) * (lattice.precedes(b, g) ? 1 : 0);
                EXPECT_EQ(sum, a == b ? 1 : 0) << "n=" << n << " " << lattice.name(a) << " "
                                               << lattice.name(b);
            }
    }
}

TEST(RedundancyLattice, TwoSourceMoebiusIsTheClassicalDecomposition) {
    const auto& lattice = redundancy_lattice::of(2);
    // unique 1 = I({1}) - I({1}{2}); synergy = I({12}) - I({1}) - I({2}) + I({1}{2}).
    EXPECT_EQ(lattice.moebius(0, 0), 1);
    EXPECT_EQ(lattice.moebius(0, 2), -1);
    EXPECT_EQ(lattice.moebius(3, 3), 1);
    EXPECT_EQ(lattice.moebius(3, 0), -1);
    EXPECT_EQ(lattice.moebius(3, 1), -1);
    EXPECT_EQ(lattice.moebius(3, 2), 1);
}

TEST(RedundancyLattice, FindParsesNamesInAnySetOrder) {
    const auto& lattice = redundancy_lattice::of(3);
    EXPECT_EQ(lattice.find("{23}{1}"), lattice.find("{1}{23}"));
    EXPECT_EQ(lattice.find("{1}{12}"), std::nullopt);  // not an antichain
    EXPECT_EQ(lattice.find("{4}"), std::nullopt);
    EXPECT_EQ(lattice.find("1"), std::nullopt);
    EXPECT_EQ(lattice.find("{}"), std::nullopt);
    for (std::size_t i = 0; i < lattice.size(); ++i) EXPECT_EQ(lattice.find(lattice.name(i)), i);
}

TEST(RedundancyLattice, UnionTermsAreInclusionExclusion) {
    const auto& lattice = redundancy_lattice::of(3);
    // P({1} or {23}) = p(1) + p(23) - p(123)
    const auto& terms = lattice.union_terms(*lattice.find("{1}{23}"));
    ASSERT_EQ(terms.size(), 3u);
    int total = 0;
    for (const auto& term : terms) total += term.coefficient;
    EXPECT_EQ(total, 1);
    // {12}{13}{23}: all pairwise unions are {123}: p12 + p13 + p23 - 3 p123 + p123.
    const auto& pairs = lattice.union_terms(*lattice.find("{12}{13}{23}"));
    ASSERT_EQ(pairs.size(), 4u);
    EXPECT_EQ(pairs.back().sources, 0b111);
    EXPECT_EQ(pairs.back().coefficient, -2);
}

}  // namespace
}  // namespace infomorph::pid

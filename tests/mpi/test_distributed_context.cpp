// Every operation of distributed_context, against the local and the MPI implementation, at
// whatever rank count the test runs (CTest runs it at 1, 2, 3 and 4). Expected values are
// computed from rank() and size(), so the same test holds for both implementations.
//
// No ASSERT before a collective: a rank that returns early would hang the others.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/comm/mpi_environment.hpp>
#include <infomorph/model/partition.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace infomorph {
namespace {

enum class implementation { local, mpi };

distributed_context make_context(implementation kind) {
    return kind == implementation::local ? make_local_context() : make_mpi_context();
}

class DistributedContext : public ::testing::TestWithParam<implementation> {
protected:
    distributed_context context = make_context(GetParam());
    int rank = context.rank();
    int size = context.size();
    std::size_t n_ranks = static_cast<std::size_t>(context.size());
};

// Words contributed by rank r in the uneven tests: rank 0 and every third rank contribute none.
std::vector<std::uint64_t> words_of_rank(int r) {
    std::vector<std::uint64_t> words;
    for (int i = 0; i < r % 3; ++i) {
        words.push_back((static_cast<std::uint64_t>(r) << 32) | static_cast<std::uint64_t>(i) |
                        0x8000'0000'0000'0000ULL);
    }
    return words;
}

TEST_P(DistributedContext, RanksAreNumberedFromZero) {
    EXPECT_EQ(context.name(), GetParam() == implementation::local ? "local" : "mpi");
    EXPECT_GE(rank, 0);
    EXPECT_LT(rank, size);
    EXPECT_EQ(context.is_root(), rank == 0);
    if (GetParam() == implementation::local) {
        EXPECT_EQ(size, 1);
    }
    const std::vector<std::int64_t> ranks = context.allgather_count(rank);
    ASSERT_EQ(ranks.size(), n_ranks);
    for (std::size_t r = 0; r < ranks.size(); ++r) EXPECT_EQ(ranks[r], static_cast<std::int64_t>(r));
}

TEST_P(DistributedContext, BarrierReturnsOnEveryRank) {
    for (int i = 0; i < 3; ++i) context.barrier();
    SUCCEED();
}

TEST_P(DistributedContext, AllgatherBitsConcatenatesUnevenContributionsInRankOrder) {
    const std::vector<std::uint64_t> mine = words_of_rank(rank);
    const gathered_bits all = context.allgather_bits(mine);

    std::vector<std::uint64_t> expected;
    std::vector<std::size_t> offsets{0};
    for (int r = 0; r < size; ++r) {
        const std::vector<std::uint64_t> theirs = words_of_rank(r);
        expected.insert(expected.end(), theirs.begin(), theirs.end());
        offsets.push_back(expected.size());
    }
    EXPECT_EQ(all.words, expected);
    EXPECT_EQ(all.offsets, offsets);
}

TEST_P(DistributedContext, AllgatherBitsWithKnownCountsNeedsNoExchange) {
    std::vector<std::size_t> counts;
    std::vector<std::uint64_t> expected;
    for (int r = 0; r < size; ++r) {
        const std::vector<std::uint64_t> theirs = words_of_rank(r);
        counts.push_back(theirs.size());
        expected.insert(expected.end(), theirs.begin(), theirs.end());
    }
    std::vector<std::uint64_t> all(expected.size(), 0);
    context.allgather_bits(words_of_rank(rank), counts, all);
    EXPECT_EQ(all, expected);
}

TEST_P(DistributedContext, AllgatherBitsWhenNoRankContributes) {
    const gathered_bits all = context.allgather_bits({});
    EXPECT_TRUE(all.words.empty());
    EXPECT_EQ(all.offsets, std::vector<std::size_t>(n_ranks + 1, 0));

    const std::vector<std::size_t> counts(n_ranks, 0);
    std::vector<std::uint64_t> none;
    context.allgather_bits({}, counts, none);
    EXPECT_TRUE(none.empty());
}

// Activity of a partitioned layer, packed 64 neurons to a word per rank, as training exchanges it.
// With more ranks than neurons the trailing ranks contribute no word.
TEST_P(DistributedContext, AllgatherBitsRebuildsTheActivityOfAPartitionedLayer) {
    for (std::size_t n_neurons : {std::size_t{2}, std::size_t{3}, std::size_t{200}}) {
        const auto active = [](std::size_t id) { return (id * 7 + 3) % 5 < 2; };
        std::vector<std::size_t> words_per_rank;
        for (int r = 0; r < size; ++r) {
            words_per_rank.push_back((owned_range(n_neurons, size, r).size() + 63) / 64);
        }
        const neuron_range mine = owned_range(n_neurons, size, rank);
        std::vector<std::uint64_t> local(words_per_rank[static_cast<std::size_t>(rank)], 0);
        for (std::size_t id = mine.first; id < mine.last; ++id) {
            if (active(id)) local[(id - mine.first) / 64] |= 1ULL << ((id - mine.first) % 64);
        }
        std::size_t total = 0;
        for (std::size_t words : words_per_rank) total += words;
        std::vector<std::uint64_t> all(total, 0);
        context.allgather_bits(local, words_per_rank, all);

        std::size_t word_offset = 0;
        for (int r = 0; r < size; ++r) {
            const neuron_range theirs = owned_range(n_neurons, size, r);
            for (std::size_t id = theirs.first; id < theirs.last; ++id) {
                const std::size_t bit = id - theirs.first;
                const bool seen = (all[word_offset + bit / 64] >> (bit % 64)) & 1ULL;
                EXPECT_EQ(seen, active(id)) << "neuron " << id << " of " << n_neurons;
            }
            word_offset += words_per_rank[static_cast<std::size_t>(r)];
        }
    }
}

TEST_P(DistributedContext, AllgatherBitsRejectsCountsOfTheWrongLength) {
    // The same on every rank, so every rank throws and none is left waiting.
    const std::vector<std::size_t> counts(n_ranks + 1, 0);
    std::vector<std::uint64_t> all;
    EXPECT_THROW(context.allgather_bits({}, counts, all), std::invalid_argument);
}

TEST_P(DistributedContext, AllreduceSumOfCountsIsExact) {
    const std::int64_t big = std::int64_t{1} << 40;
    std::vector<std::int64_t> values{rank + 1, big, -rank};
    context.allreduce_sum(values);
    const std::int64_t p = size;
    EXPECT_EQ(values, (std::vector<std::int64_t>{p * (p + 1) / 2, p * big, -p * (p - 1) / 2}));

    std::vector<std::int64_t> empty;
    context.allreduce_sum(empty);
    EXPECT_TRUE(empty.empty());
}

TEST_P(DistributedContext, AllreduceSumOfDoubles) {
    std::vector<double> values{0.5, static_cast<double>(rank)};
    context.allreduce_sum(values);
    EXPECT_DOUBLE_EQ(values[0], 0.5 * size);
    EXPECT_DOUBLE_EQ(values[1], size * (size - 1) / 2.0);
}

// Partials chosen so that the order of summation shows in the result.
double partial(int r, std::size_t i) {
    const double magnitudes[] = {1e16, 1.0, -1e16, 0.1, 3.3, -7e15};
    return magnitudes[(static_cast<std::size_t>(r) + i) % 6] * (1.0 + 0.01 * static_cast<double>(i));
}

TEST_P(DistributedContext, AllreduceSumOrderedSumsPartialsInRankOrder) {
    const std::size_t n = 5;
    std::vector<double> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = partial(rank, i);
    context.allreduce_sum_ordered(values);
    for (std::size_t i = 0; i < n; ++i) {
        double expected = 0.0;
        for (int r = 0; r < size; ++r) expected += partial(r, i);
        EXPECT_EQ(values[i], expected) << "element " << i;  // bit for bit, not approximately
    }
}

TEST_P(DistributedContext, AllreduceSumOrderedRejectsDifferentLengthsOnEveryRank) {
    if (size == 1) GTEST_SKIP() << "needs two ranks";
    std::vector<double> values(rank == size - 1 ? 3 : 2, 1.0);
    EXPECT_THROW(context.allreduce_sum_ordered(values), std::invalid_argument);
}

// The point of sum_in_global_order: rows of a partitioned layer summed in global-id order give
// the same bits at every rank count, including ranks that own no row.
TEST_P(DistributedContext, SumInGlobalOrderDoesNotDependOnTheRankCount) {
    const std::size_t row_length = 3;
    for (std::size_t n_rows : {std::size_t{0}, std::size_t{2}, std::size_t{37}}) {
        const auto term = [](std::size_t row, std::size_t i) {
            return partial(static_cast<int>(row % 5), i + row) / static_cast<double>(row + 1);
        };
        const neuron_range mine = owned_range(n_rows, size, rank);
        std::vector<double> local;
        for (std::size_t row = mine.first; row < mine.last; ++row) {
            for (std::size_t i = 0; i < row_length; ++i) local.push_back(term(row, i));
        }
        const std::vector<double> sum = context.sum_in_global_order(local, row_length);

        std::vector<double> expected(row_length, 0.0);  // one rank, one loop: the reference
        for (std::size_t row = 0; row < n_rows; ++row) {
            for (std::size_t i = 0; i < row_length; ++i) expected[i] += term(row, i);
        }
        EXPECT_EQ(sum, expected) << n_rows << " rows";
    }
}

TEST_P(DistributedContext, SumInGlobalOrderRejectsRaggedRowsOnEveryRank) {
    std::vector<double> local(rank == size - 1 ? 4 : 3, 1.0);
    EXPECT_THROW(context.sum_in_global_order(local, 3), std::invalid_argument);
}

TEST_P(DistributedContext, BroadcastFromRootSendsRankZerosText) {
    const std::string config = "[train]\nseed = 7\nranks_may_differ = \"no\"\n";
    const std::string mine = rank == 0 ? config : std::string(static_cast<std::size_t>(rank) * 11, 'x');
    EXPECT_EQ(context.broadcast_from_root(mine), config);

    EXPECT_EQ(context.broadcast_from_root(rank == 0 ? std::string{} : std::string("ignored")), "");

    const std::string large(1 << 20, 'c');
    EXPECT_EQ(context.broadcast_from_root(rank == 0 ? large : std::string{}), large);
}

TEST_P(DistributedContext, ExclusiveScanGivesFileOffsets) {
    // Rank r writes r + 1 records of 2^33 bytes: offsets beyond 32 bits.
    const std::int64_t record = std::int64_t{1} << 33;
    const std::int64_t offset = context.exclusive_scan_sum((rank + 1) * record);
    EXPECT_EQ(offset, static_cast<std::int64_t>(rank) * (rank + 1) / 2 * record);
    EXPECT_EQ(context.exclusive_scan_sum(0), 0);
}

TEST_P(DistributedContext, AnyFailedIsTrueEverywhereIfOneRankFails) {
    EXPECT_FALSE(context.any_failed(false));
    EXPECT_TRUE(context.any_failed(rank == size - 1));
    EXPECT_TRUE(context.any_failed(rank == 0));
    EXPECT_TRUE(context.any_failed(true));
}

TEST_P(DistributedContext, GatherToRootCollectsEveryRanksText) {
    // Rank 0 sends an empty string: zero-length contributions must work too.
    const std::vector<std::string> all =
        context.gather_to_root(std::string(static_cast<std::size_t>(rank), static_cast<char>('a' + rank)));
    if (rank == 0) {
        ASSERT_EQ(all.size(), n_ranks);
        for (int r = 0; r < size; ++r) {
            EXPECT_EQ(all[static_cast<std::size_t>(r)],
                      std::string(static_cast<std::size_t>(r), static_cast<char>('a' + r)));
        }
    } else {
        EXPECT_TRUE(all.empty());
    }
}

// The collective error pattern: a rank-local exception is caught, all ranks agree with
// any_failed, rank 0 collects the messages, and every rank leaves normally (reaching the next
// test proves nobody hangs).
TEST_P(DistributedContext, ExceptionOnOneRankLetsAllRanksStopTogether) {
    std::string error;
    try {
        if (rank == size - 1) throw std::runtime_error("cannot read shard " + std::to_string(rank));
    } catch (const std::exception& e) {
        error = "rank " + std::to_string(rank) + ": " + e.what();
    }
    const bool failed = context.any_failed(!error.empty());
    EXPECT_TRUE(failed);
    const std::vector<std::string> messages = context.gather_to_root(error);
    if (rank == 0) {
        ASSERT_EQ(messages.size(), n_ranks);
        EXPECT_EQ(messages.back(), "rank " + std::to_string(size - 1) + ": cannot read shard " +
                                       std::to_string(size - 1));
        for (std::size_t r = 0; r + 1 < messages.size(); ++r) EXPECT_EQ(messages[r], "");
    }
    context.barrier();
}

TEST_P(DistributedContext, CopiesTalkOnTheSameCommunicator) {
    const distributed_context copy = context;
    std::vector<std::int64_t> values{1};
    copy.allreduce_sum(values);
    EXPECT_EQ(values[0], size);
}

INSTANTIATE_TEST_SUITE_P(Both, DistributedContext,
                         ::testing::Values(implementation::local, implementation::mpi),
                         [](const ::testing::TestParamInfo<implementation>& param_info) {
                             return param_info.param == implementation::local ? "local" : "mpi";
                         });

TEST(MpiEnvironment, ASecondGuardLeavesMpiToTheFirst) {
    ASSERT_TRUE(mpi_environment::initialized());
    int argc = 1;
    char name[] = "nested";
    char* args[] = {name, nullptr};
    char** argv = args;
    {
        const mpi_environment nested(argc, argv);
        EXPECT_FALSE(nested.owns_mpi());
    }
    EXPECT_TRUE(mpi_environment::initialized());
    const distributed_context context = make_mpi_context();
    EXPECT_EQ(context.any_failed(false), false);
}

}  // namespace
}  // namespace infomorph

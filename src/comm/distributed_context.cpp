// The operations of distributed_context that are built from the implementations' primitives, so
// that both implementations share one version of them.

#include <infomorph/comm/distributed_context.hpp>

#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>

namespace infomorph {
namespace {

std::size_t total(std::span<const std::size_t> counts) {
    return std::accumulate(counts.begin(), counts.end(), std::size_t{0});
}

}  // namespace

namespace {
// The argument checks shared by the gathers with known counts.
void check_gather(const char* operation, int rank, int size, std::size_t local_size,
                  std::span<const std::size_t> per_rank, std::size_t all_size) {
    if (per_rank.size() != static_cast<std::size_t>(size)) {
        throw std::invalid_argument(std::string(operation) + ": the counts have " +
                                    std::to_string(per_rank.size()) + " entries for " +
                                    std::to_string(size) + " ranks");
    }
    const std::size_t mine = per_rank[static_cast<std::size_t>(rank)];
    if (local_size != mine) {
        throw std::invalid_argument(std::string(operation) + ": rank " + std::to_string(rank) +
                                    " passes " + std::to_string(local_size) +
                                    " values but the counts say " + std::to_string(mine));
    }
    if (all_size != total(per_rank)) {
        throw std::invalid_argument(std::string(operation) + ": the output has room for " +
                                    std::to_string(all_size) + " values, expected " +
                                    std::to_string(total(per_rank)));
    }
}
}  // namespace

void distributed_context::allgather_bits(std::span<const std::uint64_t> local_words,
                                         std::span<const std::size_t> words_per_rank,
                                         std::span<std::uint64_t> all_words) const {
    check_gather("allgather_bits", rank(), size(), local_words.size(), words_per_rank,
                 all_words.size());
    impl_->allgather_words(local_words, words_per_rank, all_words);
}

void distributed_context::allgather_reals(std::span<const double> local_values,
                                          std::span<const std::size_t> values_per_rank,
                                          std::span<double> all_values) const {
    check_gather("allgather_reals", rank(), size(), local_values.size(), values_per_rank,
                 all_values.size());
    impl_->allgather_reals(local_values, values_per_rank, all_values);
}

gathered_bits distributed_context::allgather_bits(
    std::span<const std::uint64_t> local_words) const {
    const std::vector<std::int64_t> counts =
        allgather_count(static_cast<std::int64_t>(local_words.size()));
    gathered_bits result;
    result.offsets.assign(1, 0);
    std::vector<std::size_t> words_per_rank;
    for (std::int64_t count : counts) {
        words_per_rank.push_back(static_cast<std::size_t>(count));
        result.offsets.push_back(result.offsets.back() + words_per_rank.back());
    }
    result.words.resize(result.offsets.back());
    impl_->allgather_words(local_words, words_per_rank, result.words);
    return result;
}

void distributed_context::allreduce_sum_ordered(std::span<double> values) const {
    // Agree on the length first, so that a mismatch throws on every rank instead of hanging.
    const std::vector<std::int64_t> lengths =
        allgather_count(static_cast<std::int64_t>(values.size()));
    for (std::size_t r = 0; r < lengths.size(); ++r) {
        if (lengths[r] != lengths[0]) {
            throw std::invalid_argument(
                "allreduce_sum_ordered: ranks pass different lengths (rank 0: " +
                std::to_string(lengths[0]) + ", rank " + std::to_string(r) + ": " +
                std::to_string(lengths[r]) + ")");
        }
    }
    const std::size_t n = values.size();
    const std::vector<std::size_t> counts(lengths.size(), n);
    std::vector<double> partials(n * lengths.size());
    impl_->allgather_reals(values, counts, partials);
    for (std::size_t i = 0; i < n; ++i) {
        double sum = 0.0;
        for (std::size_t r = 0; r < lengths.size(); ++r) sum += partials[r * n + i];
        values[i] = sum;
    }
}

std::vector<double> distributed_context::sum_in_global_order(std::span<const double> local_rows,
                                                             std::size_t row_length) const {
    // A rank whose rows do not fit row_length says so in the count exchange (as -1), so that
    // all ranks throw together instead of some waiting in the gather.
    const bool fits = row_length == 0 ? local_rows.empty() : local_rows.size() % row_length == 0;
    const std::vector<std::int64_t> counts =
        allgather_count(fits ? static_cast<std::int64_t>(local_rows.size()) : -1);
    std::vector<std::size_t> values_per_rank;
    for (std::size_t r = 0; r < counts.size(); ++r) {
        if (counts[r] < 0) {
            throw std::invalid_argument("sum_in_global_order: rank " + std::to_string(r) +
                                        " passes a number of values that is not a multiple "
                                        "of row_length " + std::to_string(row_length));
        }
        values_per_rank.push_back(static_cast<std::size_t>(counts[r]));
    }
    std::vector<double> sum(row_length, 0.0);
    if (row_length == 0) return sum;
    std::vector<double> all_rows(total(values_per_rank));
    impl_->allgather_reals(local_rows, values_per_rank, all_rows);
    for (std::size_t start = 0; start < all_rows.size(); start += row_length) {
        for (std::size_t i = 0; i < row_length; ++i) sum[i] += all_rows[start + i];
    }
    return sum;
}

void distributed_context::abort(int exit_code, std::string_view message) const {
    impl_->abort(exit_code, message);
    std::_Exit(exit_code);  // not reached: implementations do not return either
}

}  // namespace infomorph

#pragma once
// The distributed context: the only door to MPI. Algorithm code communicates through this value
// type and never sees MPI; two implementations exist, a local one (one rank, no communication)
// and an MPI one (Boost.MPI, in src/comm), and the same tests run against both.
//
// Every operation is collective unless marked otherwise: every rank of the context must call it,
// in the same order, including ranks that own no neuron and contribute nothing. A rank that skips
// a collective hangs all the others, so agree first (any_failed) before leaving early.
//
// Errors: a failed MPI call throws an exception derived from std::exception whose message names
// the call. Counts and sizes must fit into an int (MPI's count type); larger ones throw
// std::length_error.
//
// Which sum to use:
// - allreduce_sum(std::int64_t):  counts. Exact, so independent of the rank count. Prefer it:
//   reduce integer counts (histogram bins, spike counts) and divide afterwards.
// - sum_in_global_order:          doubles that must be bit-identical on any rank count (anything
//   that feeds back into weights or is compared across runs). Each rank supplies its rows
//   (per-neuron terms) in global-id order; every rank sums all rows in global order.
// - allreduce_sum_ordered(double): per-rank partial vectors summed in rank order on every rank:
//   reproducible from run to run at a fixed rank count and identical on all ranks, but the
//   partials themselves depend on the partition, so the result changes with the rank count.
// - allreduce_sum(double):        MPI's reduction, fastest; the MPI library chooses the order, so
//   the last bits change with the rank count (and may with the library). For diagnostics and
//   timing statistics only.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace infomorph {

// Bit-packed activity of all ranks, concatenated in rank order: the words of rank r are
// words[offsets[r], offsets[r + 1]).
struct gathered_bits {
    std::vector<std::uint64_t> words;
    std::vector<std::size_t> offsets;  // size() + 1 entries, offsets[0] == 0
};

class distributed_context {
public:
    // What an implementation provides. Public so that tests can supply fakes; the operations of
    // distributed_context below check arguments before forwarding.
    struct interface {
        virtual ~interface() = default;
        virtual std::string name() const = 0;
        virtual int rank() const = 0;
        virtual int size() const = 0;
        virtual void barrier() const = 0;
        // counts[r] elements from rank r land at out[sum of counts before r]; counts.size() ==
        // size(), local.size() == counts[rank()], out.size() == sum of counts (checked by caller).
        virtual void allgather_words(std::span<const std::uint64_t> local,
                                     std::span<const std::size_t> counts,
                                     std::span<std::uint64_t> out) const = 0;
        virtual void allgather_reals(std::span<const double> local,
                                     std::span<const std::size_t> counts,
                                     std::span<double> out) const = 0;
        virtual std::vector<std::int64_t> allgather_count(std::int64_t local) const = 0;
        virtual void allreduce_sum(std::span<std::int64_t> values) const = 0;
        virtual void allreduce_sum(std::span<double> values) const = 0;
        virtual std::string broadcast_from_root(std::string value) const = 0;
        virtual std::int64_t exclusive_scan_sum(std::int64_t value) const = 0;
        virtual bool any_failed(bool local_failed) const = 0;
        virtual std::vector<std::string> gather_to_root(std::string value) const = 0;
        [[noreturn]] virtual void abort(int exit_code, std::string_view message) const = 0;
        // The implementation's own handle (the MPI context: its MPI_Comm), or nullptr.
        virtual const void* native_handle() const { return nullptr; }
    };

    // Wraps any type with the member functions of `interface` (without inheriting from it).
    template <typename Impl>
    explicit distributed_context(Impl impl)
        : impl_(std::make_shared<const model<Impl>>(std::move(impl))) {}

    // Which implementation this is ("local", "mpi"), for logs and test names. Not collective.
    std::string name() const { return impl_->name(); }
    // This rank's number in [0, size()), and the number of ranks. Not collective.
    int rank() const { return impl_->rank(); }
    int size() const { return impl_->size(); }
    bool is_root() const { return rank() == 0; }

    void barrier() const { impl_->barrier(); }

    // Allgather of bit-packed activity, the hot path: every rank contributes its words (possibly
    // none); all ranks receive all words in rank order. words_per_rank must be the same on every
    // rank (it usually follows from the partition, so no counts are exchanged) and
    // all_words.size() its sum.
    void allgather_bits(std::span<const std::uint64_t> local_words,
                        std::span<const std::size_t> words_per_rank,
                        std::span<std::uint64_t> all_words) const;
    // The same when the counts are not known in advance: exchanges them first.
    gathered_bits allgather_bits(std::span<const std::uint64_t> local_words) const;

    // Every rank's doubles, concatenated in rank order (values_per_rank[r] from rank r, the same
    // counts on every rank; all_values.size() their sum). For small per-neuron results such as
    // the readout's theta at evaluation.
    void allgather_reals(std::span<const double> local_values,
                         std::span<const std::size_t> values_per_rank,
                         std::span<double> all_values) const;

    // Every rank's value of `local`, in rank order.
    std::vector<std::int64_t> allgather_count(std::int64_t local) const {
        return impl_->allgather_count(local);
    }

    // Element-wise sums over ranks, in place; every rank passes the same length. See the top of
    // this file for which sum to use.
    void allreduce_sum(std::span<std::int64_t> values) const { impl_->allreduce_sum(values); }
    void allreduce_sum(std::span<double> values) const { impl_->allreduce_sum(values); }
    void allreduce_sum_ordered(std::span<double> values) const;

    // The element-wise sum, over all rows of all ranks in global order, of rows of row_length
    // doubles (local_rows.size() must be a multiple of row_length; ranks may hold no row). Ranks
    // hold consecutive blocks of rows in rank order (as the block partition gives), so the
    // result is the same bits on every rank count.
    std::vector<double> sum_in_global_order(std::span<const double> local_rows,
                                            std::size_t row_length) const;

    // Rank 0's value on every rank (the configuration text, say); other ranks' values are ignored.
    std::string broadcast_from_root(std::string value) const {
        return impl_->broadcast_from_root(std::move(value));
    }

    // The sum of the values of all lower ranks (0 on rank 0): where this rank's part of a file
    // starts.
    std::int64_t exclusive_scan_sum(std::int64_t value) const {
        return impl_->exclusive_scan_sum(value);
    }

    // True on every rank if any rank passes true. Call it after a rank-local step that may fail
    // (catch the exception, remember it), so that all ranks stop together.
    bool any_failed(bool local_failed) const { return impl_->any_failed(local_failed); }

    // On rank 0, every rank's string in rank order; empty on other ranks. For error messages.
    std::vector<std::string> gather_to_root(std::string value) const {
        return impl_->gather_to_root(std::move(value));
    }

    // A rank-local fatal error, not collective: prints "rank r: message" to stderr and ends all
    // ranks with exit_code (MPI_Abort). For errors that other ranks cannot learn of; collective
    // errors should use any_failed and return normally instead.
    [[noreturn]] void abort(int exit_code, std::string_view message) const;

    // Opaque: for the library's own use (src/comm/native_communicator.hpp gives src/io the MPI
    // communicator); nullptr unless the implementation has one. Not collective.
    const void* native_handle() const { return impl_->native_handle(); }

private:
    template <typename Impl>
    struct model final : interface {
        explicit model(Impl i) : impl(std::move(i)) {}
        std::string name() const override { return impl.name(); }
        int rank() const override { return impl.rank(); }
        int size() const override { return impl.size(); }
        void barrier() const override { impl.barrier(); }
        void allgather_words(std::span<const std::uint64_t> local,
                             std::span<const std::size_t> counts,
                             std::span<std::uint64_t> out) const override {
            impl.allgather_words(local, counts, out);
        }
        void allgather_reals(std::span<const double> local, std::span<const std::size_t> counts,
                             std::span<double> out) const override {
            impl.allgather_reals(local, counts, out);
        }
        std::vector<std::int64_t> allgather_count(std::int64_t local) const override {
            return impl.allgather_count(local);
        }
        void allreduce_sum(std::span<std::int64_t> values) const override {
            impl.allreduce_sum(values);
        }
        void allreduce_sum(std::span<double> values) const override { impl.allreduce_sum(values); }
        std::string broadcast_from_root(std::string value) const override {
            return impl.broadcast_from_root(std::move(value));
        }
        std::int64_t exclusive_scan_sum(std::int64_t value) const override {
            return impl.exclusive_scan_sum(value);
        }
        bool any_failed(bool local_failed) const override { return impl.any_failed(local_failed); }
        std::vector<std::string> gather_to_root(std::string value) const override {
            return impl.gather_to_root(std::move(value));
        }
        [[noreturn]] void abort(int exit_code, std::string_view message) const override {
            impl.abort(exit_code, message);
        }
        const void* native_handle() const override {
            if constexpr (requires { impl.native_handle(); }) {
                return impl.native_handle();
            } else {
                return nullptr;
            }
        }

        Impl impl;
    };

    std::shared_ptr<const interface> impl_;
};

// One rank, no communication: collectives return the local values.
distributed_context make_local_context();

// All ranks of MPI_COMM_WORLD, on a duplicate of it (so our messages never mix with a library's).
// MPI must be initialised (see mpi_environment.hpp); throws std::logic_error otherwise.
distributed_context make_mpi_context();

}  // namespace infomorph

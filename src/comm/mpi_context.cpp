// The MPI context, on Boost.MPI. Collectives on built-in types use the pointer-and-count
// overloads, which map straight onto MPI calls without serialisation.

#include <infomorph/comm/distributed_context.hpp>
#include <infomorph/comm/mpi_communicator.hpp>

#include "comm/mpi_error_translation.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/collectives/all_gatherv.hpp>
#include <boost/mpi/collectives/gatherv.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/mpi/exception.hpp>
#include <boost/mpi/operations.hpp>
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

namespace infomorph {
namespace {

void check(int result, const char* call) { detail::check_mpi(result, call); }

// Runs an operation that uses Boost.MPI and turns its boost::mpi::exception (which keeps the
// routine and the code) into infomorph::mpi_error, so that callers see one exception type with
// the code and the error class, whichever layer made the call.
template <typename Operation>
decltype(auto) translated(Operation&& operation) {
    try {
        return operation();
    } catch (const boost::mpi::exception& e) {
        detail::check_mpi(e.result_code(), e.routine());
        throw;  // a "failure" with MPI_SUCCESS: keep Boost's own exception
    }
}

int to_count(std::size_t n, const char* what) {
    if (n > static_cast<std::size_t>(INT_MAX)) {
        throw std::length_error(std::string(what) + ": " + std::to_string(n) +
                                " elements exceed MPI's int count");
    }
    return static_cast<int>(n);
}

// Boost.MPI reads the element type through the data pointer, so an empty contribution still
// needs a valid address; MPI never touches it with a zero count.
template <typename T>
T* data_or(std::span<T> values, T& fallback) {
    return values.empty() ? &fallback : values.data();
}

struct counts_and_displacements {
    std::vector<int> counts;
    std::vector<int> displacements;
};

counts_and_displacements layout(std::span<const std::size_t> counts, const char* what) {
    counts_and_displacements result;
    std::size_t offset = 0;
    for (std::size_t count : counts) {
        result.counts.push_back(to_count(count, what));
        result.displacements.push_back(to_count(offset, what));
        offset += count;
    }
    to_count(offset, what);
    return result;
}

class mpi_context {
public:
    explicit mpi_context(boost::mpi::communicator comm)
        : comm_(std::move(comm)), raw_(static_cast<MPI_Comm>(comm_)) {}

    std::string name() const { return "mpi"; }
    int rank() const { return comm_.rank(); }
    int size() const { return comm_.size(); }
    void barrier() const { translated([&] { comm_.barrier(); }); }

    void allgather_words(std::span<const std::uint64_t> local,
                         std::span<const std::size_t> counts,
                         std::span<std::uint64_t> out) const {
        allgatherv(local, counts, out, "allgather_bits");
    }
    void allgather_reals(std::span<const double> local, std::span<const std::size_t> counts,
                         std::span<double> out) const {
        allgatherv(local, counts, out, "allgather of doubles");
    }

    std::vector<std::int64_t> allgather_count(std::int64_t local) const {
        return translated([&] {
            std::vector<std::int64_t> all;
            boost::mpi::all_gather(comm_, local, all);
            return all;
        });
    }

    // In place with MPI_IN_PLACE; Boost.MPI's inplace() would dereference MPI_IN_PLACE itself.
    void allreduce_sum(std::span<std::int64_t> values) const {
        std::int64_t unused = 0;
        check(MPI_Allreduce(MPI_IN_PLACE, data_or(values, unused),
                            to_count(values.size(), "allreduce_sum"), MPI_INT64_T, MPI_SUM,
                            comm_),
              "MPI_Allreduce");
    }
    void allreduce_sum(std::span<double> values) const {
        double unused = 0;
        check(MPI_Allreduce(MPI_IN_PLACE, data_or(values, unused),
                            to_count(values.size(), "allreduce_sum"), MPI_DOUBLE, MPI_SUM, comm_),
              "MPI_Allreduce");
    }

    std::string broadcast_from_root(std::string value) const {
        return translated([&] {
            std::int64_t length = static_cast<std::int64_t>(value.size());
            boost::mpi::broadcast(comm_, &length, 1, 0);
            value.resize(static_cast<std::size_t>(length));
            if (length > 0) {
                boost::mpi::broadcast(comm_, value.data(),
                                      to_count(value.size(), "broadcast_from_root"), 0);
            }
            return std::move(value);  // a reference capture: moved, as the parameter was before
        });
    }

    std::int64_t exclusive_scan_sum(std::int64_t value) const {
        std::int64_t inclusive = 0;
        translated([&] { boost::mpi::scan(comm_, value, inclusive, std::plus<std::int64_t>()); });
        return inclusive - value;
    }

    bool any_failed(bool local_failed) const {
        int any = 0;
        translated([&] {
            boost::mpi::all_reduce(comm_, local_failed ? 1 : 0, any, boost::mpi::maximum<int>());
        });
        return any != 0;
    }

    std::vector<std::string> gather_to_root(std::string value) const {
        return translated([&] { return gather_strings(value); });
    }

    std::vector<std::string> gather_strings(const std::string& value) const {
        const int length = to_count(value.size(), "gather_to_root");
        if (comm_.rank() != 0) {
            boost::mpi::gather(comm_, length, 0);
            boost::mpi::gatherv(comm_, value.data(), length, 0);
            return {};
        }
        std::vector<int> lengths;
        boost::mpi::gather(comm_, length, lengths, 0);
        std::vector<std::size_t> sizes(lengths.begin(), lengths.end());
        const counts_and_displacements where = layout(sizes, "gather_to_root");
        std::string all(static_cast<std::size_t>(where.displacements.back() + lengths.back()),
                        '\0');
        char unused = 0;
        boost::mpi::gatherv(comm_, value.data(), length, all.empty() ? &unused : all.data(),
                            where.counts, where.displacements, 0);
        std::vector<std::string> result;
        for (std::size_t r = 0; r < lengths.size(); ++r) {
            result.push_back(all.substr(static_cast<std::size_t>(where.displacements[r]),
                                        static_cast<std::size_t>(lengths[r])));
        }
        return result;
    }

    [[noreturn]] void abort(int exit_code, std::string_view message) const {
        std::cout.flush();
        std::cerr << "rank " << comm_.rank() << ": " << message << std::endl;
        std::fflush(nullptr);
        comm_.abort(exit_code);
        std::_Exit(exit_code);  // MPI_Abort does not return; this only satisfies [[noreturn]].
    }

    // The address stays valid while any copy of the distributed_context lives (it holds this
    // object through a shared pointer).
    const void* native_handle() const { return &raw_; }

private:
    template <typename T>
    void allgatherv(std::span<const T> local, std::span<const std::size_t> counts,
                    std::span<T> out, const char* what) const {
        const counts_and_displacements where = layout(counts, what);
        const T in_fallback{};
        T out_fallback{};
        translated([&] {
            boost::mpi::all_gatherv(comm_, data_or(local, in_fallback), data_or(out, out_fallback),
                                    where.counts, where.displacements);
        });
    }

    boost::mpi::communicator comm_;
    MPI_Comm raw_;
};

}  // namespace

distributed_context make_mpi_context(MPI_Comm communicator) {
    if (!boost::mpi::environment::initialized() || boost::mpi::environment::finalized()) {
        throw std::logic_error("make_mpi_context: MPI is not initialised (create an "
                               "infomorph::mpi_environment first)");
    }
    if (communicator == MPI_COMM_NULL)
        throw std::invalid_argument("make_mpi_context: the communicator is MPI_COMM_NULL");
    boost::mpi::communicator comm(communicator, boost::mpi::comm_duplicate);
    // Errors come back as return codes, which Boost.MPI and check() turn into exceptions.
    check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    return distributed_context(mpi_context(std::move(comm)));
}

distributed_context make_mpi_context() { return make_mpi_context(MPI_COMM_WORLD); }

}  // namespace infomorph

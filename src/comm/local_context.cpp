// The one-rank context: every collective is the identity or a copy.

#include <infomorph/comm/distributed_context.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace infomorph {
namespace {

class local_context {
public:
    std::string name() const { return "local"; }
    int rank() const { return 0; }
    int size() const { return 1; }
    void barrier() const {}

    void allgather_words(std::span<const std::uint64_t> local, std::span<const std::size_t>,
                         std::span<std::uint64_t> out) const {
        std::copy(local.begin(), local.end(), out.begin());
    }
    void allgather_reals(std::span<const double> local, std::span<const std::size_t>,
                         std::span<double> out) const {
        std::copy(local.begin(), local.end(), out.begin());
    }
    std::vector<std::int64_t> allgather_count(std::int64_t local) const { return {local}; }
    void allreduce_sum(std::span<std::int64_t>) const {}
    void allreduce_sum(std::span<double>) const {}
    std::string broadcast_from_root(std::string value) const { return value; }
    std::int64_t exclusive_scan_sum(std::int64_t) const { return 0; }
    bool any_failed(bool local_failed) const { return local_failed; }
    std::vector<std::string> gather_to_root(std::string value) const {
        return {std::move(value)};
    }

    [[noreturn]] void abort(int exit_code, std::string_view message) const {
        std::cout.flush();
        std::cerr << "rank 0: " << message << std::endl;
        std::fflush(nullptr);
        // Like MPI_Abort: no destructors, no atexit handlers.
        std::_Exit(exit_code);
    }
};

}  // namespace

distributed_context make_local_context() { return distributed_context(local_context{}); }

}  // namespace infomorph

#pragma once
// The redundancy lattice of partial information decomposition (Williams & Beer): its nodes are
// the antichains of non-empty source subsets, ordered by beta <= alpha iff every set of alpha
// contains some set of beta. Everything here is generated from that definition for any n in 1..4.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace infomorph::pid {

// A set of sources as a bit mask: bit i stands for source i + 1.
using source_set = std::uint8_t;

inline constexpr int max_sources = 4;

// One term of the inclusion-exclusion expansion of the probability that at least one set of an
// antichain takes its observed value: P(W) = sum of coefficient * p(s restricted to sources).
struct union_term {
    source_set sources;
    int coefficient;
};

class redundancy_lattice {
public:
    // Throws std::invalid_argument unless 1 <= n_sources <= max_sources.
    explicit redundancy_lattice(int n_sources);

    // The lattice for n sources, built once and shared.
    static const redundancy_lattice& of(int n_sources);

    int n_sources() const { return n_sources_; }
    std::size_t size() const { return antichains_.size(); }

    // The sets of antichain i, ordered by size, then by their digits.
    const std::vector<source_set>& antichain(std::size_t i) const { return antichains_[i]; }

    // "{1}{23}": the sets of the antichain, written as their source numbers.
    std::string name(std::size_t i) const;
    // Index of the antichain with this name (sets in any order); nullopt if there is none.
    std::optional<std::size_t> find(std::string_view name) const;

    // beta <= alpha in the redundancy order.
    bool precedes(std::size_t beta, std::size_t alpha) const {
        return order_[beta * size() + alpha] != 0;
    }

    // atoms = moebius * cumulative redundancies; moebius(alpha, beta) is non-zero only for
    // beta <= alpha. Row-major, size() x size().
    int moebius(std::size_t alpha, std::size_t beta) const {
        return moebius_[alpha * size() + beta];
    }

    // The antichain {1..n}: its redundancy is the full mutual information I(T : S1..Sn).
    std::size_t full_index() const { return full_index_; }

    // P(W_alpha) as a signed sum of marginals, equal unions merged and zero coefficients dropped.
    const std::vector<union_term>& union_terms(std::size_t i) const { return union_terms_[i]; }

private:
    int n_sources_;
    std::vector<std::vector<source_set>> antichains_;
    std::vector<std::uint8_t> order_;
    std::vector<int> moebius_;
    std::vector<std::vector<union_term>> union_terms_;
    std::size_t full_index_ = 0;
};

// Writes a source set as its digits: 0b101 -> "13".
std::string source_set_name(source_set set);

}  // namespace infomorph::pid

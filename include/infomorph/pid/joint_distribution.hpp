#pragma once
// A joint probability mass function p(t, s1..sn) stored over its occupied source cells only: the
// cost of everything computed from it grows with the number of occupied cells, never with the
// product of the alphabet sizes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace infomorph::pid {

// Source values of one cell packed 16 bits per source (source i in bits 16i..16i+15).
using cell_key = std::uint64_t;

inline constexpr std::uint32_t max_source_code = 0xFFFF;

// Non-owning view of a joint pmf: n_cells distinct keys, and mass[c * n_targets + t] = p(t, s_c).
// Masses need not sum to one (the estimators work on the given numbers, so that gradients are
// with respect to every entry independently).
struct joint_view {
    int n_sources = 0;
    int n_targets = 0;
    std::span<const cell_key> keys;
    std::span<const double> mass;
    std::size_t n_cells() const { return keys.size(); }
};

// Builds a joint pmf from outcomes (source values, target value, weight), merging repeated source
// cells. Source values are re-coded per source in order of first appearance, so any non-negative
// integers up to 2^32 - 1 can be used as long as a source has at most 65536 distinct values.
class joint_distribution {
public:
    joint_distribution(int n_sources, int n_targets);

    // Throws std::invalid_argument for a wrong arity, a target outside [0, n_targets), a negative
    // or non-finite weight, or too many distinct values of one source.
    void add(std::span<const std::uint32_t> source_values, int target, double weight);

    // Divides every mass by the total; throws std::invalid_argument if the total is zero.
    void normalise();

    int n_sources() const { return n_sources_; }
    int n_targets() const { return n_targets_; }
    std::size_t n_cells() const { return keys_.size(); }
    double total_mass() const;
    joint_view view() const { return {n_sources_, n_targets_, keys_, mass_}; }

private:
    int n_sources_;
    int n_targets_;
    std::vector<std::unordered_map<std::uint32_t, std::uint32_t>> codes_;  // per source
    std::unordered_map<cell_key, std::size_t> cell_of_key_;
    std::vector<cell_key> keys_;
    std::vector<double> mass_;
};

// Packs already-small source codes (each <= max_source_code) into a key.
inline cell_key pack_cell(std::span<const std::uint32_t> codes) {
    cell_key key = 0;
    for (std::size_t i = 0; i < codes.size(); ++i) key |= static_cast<cell_key>(codes[i]) << (16 * i);
    return key;
}

}  // namespace infomorph::pid

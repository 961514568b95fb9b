#pragma once
// A 64-bit hash of everything a rank read (data files, patterns), so that ranks can check that
// they all read the same before they train on it: ranks that read different files (a relative
// path, node-local copies that differ) would otherwise hang in a collective or silently train on
// different data. Not cryptographic; it guards against accidents, not adversaries.

#include <infomorph/util/random.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace infomorph {

class content_hash {
public:
    // Bytes in order, eight at a time through splitmix64; the length is part of the hash, so
    // that {1, 2} then {3} and {1} then {2, 3} differ only through their add_size calls.
    content_hash& add(std::span<const std::uint8_t> bytes) {
        std::size_t i = 0;
        for (; i + 8 <= bytes.size(); i += 8) {
            std::uint64_t word = 0;
            std::memcpy(&word, bytes.data() + i, 8);
            mix(word);
        }
        if (i < bytes.size()) {
            std::uint64_t word = 0;
            std::memcpy(&word, bytes.data() + i, bytes.size() - i);
            mix(word ^ (std::uint64_t{0xff} << 56));
        }
        return add_size(bytes.size());
    }
    // Words in order (bit-packed patterns, say), then their count.
    content_hash& add(std::span<const std::uint64_t> words) {
        for (const std::uint64_t word : words) mix(word);
        return add_size(words.size());
    }
    content_hash& add_size(std::uint64_t n) {
        mix(n ^ 0x5bd1e9955bd1e995ULL);
        return *this;
    }
    std::uint64_t value() const { return mix64(state_); }

private:
    void mix(std::uint64_t word) { state_ = mix64(state_ ^ word) + 0x9e3779b97f4a7c15ULL; }
    std::uint64_t state_ = 0;
};

}  // namespace infomorph

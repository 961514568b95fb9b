#pragma once
// Counter-based random numbers: every draw is a pure function of (seed, stream, counters), so a
// result never depends on which rank or thread computes it, or in which order.

#include <cstdint>
#include <initializer_list>

namespace infomorph {

// The splitmix64 finaliser: a bijective mixer whose outputs on consecutive counters pass
// BigCrush (Steele, Lea & Flood 2014).
constexpr std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Purposes of random streams, so that two uses of the same ids never share numbers.
enum class stream : std::uint64_t {
    weight_init = 1,
    output_sample = 2,
    data_split = 3,
    data_shuffle = 4,
    lateral_partners = 5,
    test_data = 6,
    memory_patterns = 7,
    pattern_flips = 8,
};

// A key (seed, purpose, ids...) hashed into 64 bits; draw(counter) is then the counter-th number
// of that stream.
class counter_rng {
public:
    constexpr counter_rng(std::uint64_t seed, stream purpose,
                          std::initializer_list<std::uint64_t> ids = {})
        : key_(mix64(seed ^ mix64(static_cast<std::uint64_t>(purpose)))) {
        for (std::uint64_t id : ids) key_ = mix64(key_ ^ mix64(id));
    }

    constexpr std::uint64_t bits(std::uint64_t counter) const { return mix64(key_ ^ mix64(counter)); }

    // uniform(counter) given mixed = mix64(counter), for loops that draw the same counters from
    // many streams (one per neuron) and mix them once.
    constexpr double uniform_premixed(std::uint64_t mixed) const {
        return static_cast<double>(mix64(key_ ^ mixed) >> 11) * 0x1.0p-53;
    }

    // Uniform in [0, 1) with 53 random bits.
    constexpr double uniform(std::uint64_t counter) const {
        return static_cast<double>(bits(counter) >> 11) * 0x1.0p-53;
    }

    // Uniform integer in [0, n) for n > 0 (Lemire's multiply-shift; bias below 2^-32 for the
    // sizes used here).
    std::uint64_t below(std::uint64_t counter, std::uint64_t n) const {
        __extension__ using wide = unsigned __int128;
        return static_cast<std::uint64_t>((static_cast<wide>(bits(counter)) * n) >> 64);
    }

private:
    std::uint64_t key_;
};

}  // namespace infomorph

#pragma once
// Maps cell keys to dense ids 0, 1, 2, ... in order of first appearance. Open addressing with
// generation stamps, so that starting over costs nothing: built for thousands of small uses.

#include <infomorph/pid/joint_distribution.hpp>

#include <cstdint>
#include <vector>

namespace infomorph::pid {

class key_index {
public:
    // Forget all keys and make room for up to max_keys distinct ones.
    void reset(std::size_t max_keys);

    // The id of key, assigning the next free id to a key not seen since reset.
    std::uint32_t insert(cell_key key) {
        std::size_t slot = spread(key) & slot_mask_;
        while (stamps_[slot] == stamp_) {
            if (keys_[slot] == key) return ids_[slot];
            slot = (slot + 1) & slot_mask_;
        }
        stamps_[slot] = stamp_;
        keys_[slot] = key;
        ids_[slot] = size_;
        return size_++;
    }

    std::uint32_t size() const { return size_; }

private:
    static std::uint64_t spread(cell_key key) {  // splitmix64 finaliser
        key ^= key >> 30;
        key *= 0xbf58476d1ce4e5b9ULL;
        key ^= key >> 27;
        key *= 0x94d049bb133111ebULL;
        return key ^ (key >> 31);
    }

    std::vector<cell_key> keys_;
    std::vector<std::uint32_t> ids_;
    std::vector<std::uint32_t> stamps_;
    std::uint32_t stamp_ = 0;
    std::uint32_t size_ = 0;
    std::size_t slot_mask_ = 0;
};

inline void key_index::reset(std::size_t max_keys) {
    std::size_t capacity = 16;
    while (capacity < 2 * max_keys) capacity *= 2;
    if (stamps_.size() < capacity) {
        keys_.assign(capacity, 0);
        ids_.assign(capacity, 0);
        stamps_.assign(capacity, 0);
        stamp_ = 0;
    }
    slot_mask_ = capacity - 1;
    if (++stamp_ == 0) {  // the stamp wrapped: clear once so no stale slot looks live
        std::fill(stamps_.begin(), stamps_.end(), 0);
        stamp_ = 1;
    }
    size_ = 0;
}

}  // namespace infomorph::pid

#pragma once
// Checks that every rank holds the same thing (the data it read, say) before a run depends on it.

#include <infomorph/comm/distributed_context.hpp>

#include <cstdint>
#include <string>

namespace infomorph {

// Collective. Returns if every rank passes the same fingerprint; otherwise throws
// std::runtime_error with the same message on every rank: "<what> differs between ranks", then
// each group of ranks that agree with its description (e.g. rank 0: "data/mnist: 60000 training
// images", ranks 1-3: "...") and fingerprint, then advice (what to do about it), if any.
void require_agreement(const distributed_context& context, std::uint64_t fingerprint,
                       const std::string& description, const std::string& what,
                       const std::string& advice = "");

}  // namespace infomorph

#include <infomorph/comm/agreement.hpp>

#include <bit>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace infomorph {
namespace {

std::string hex(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
    return text;
}

// "rank 2", "ranks 0-1, 3".
std::string rank_list(const std::vector<int>& ranks) {
    std::string out(ranks.size() == 1 ? "rank " : "ranks ");
    for (std::size_t i = 0; i < ranks.size();) {
        std::size_t j = i;
        while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
        if (i > 0) out.append(", ");
        out.append(std::to_string(ranks[i]));
        if (j > i) out.append("-").append(std::to_string(ranks[j]));
        i = j + 1;
    }
    return out;
}

}  // namespace

void require_agreement(const distributed_context& context, std::uint64_t fingerprint,
                       const std::string& description, const std::string& what,
                       const std::string& advice) {
    const std::vector<std::int64_t> all =
        context.allgather_count(std::bit_cast<std::int64_t>(fingerprint));
    bool same = true;
    for (const std::int64_t f : all) same = same && f == all.front();
    if (same) return;
    // Rank 0 composes the message from every rank's description and sends it to all, so that
    // every rank throws the same text (and the run prints it once).
    const std::vector<std::string> descriptions = context.gather_to_root(description);
    std::string message;
    if (context.is_root()) {
        message = what + " differs between ranks:";
        std::vector<bool> listed(all.size(), false);
        for (std::size_t r = 0; r < all.size(); ++r) {
            if (listed[r]) continue;
            std::vector<int> group;
            for (std::size_t q = r; q < all.size(); ++q)
                if (!listed[q] && all[q] == all[r] && descriptions[q] == descriptions[r]) {
                    listed[q] = true;
                    group.push_back(static_cast<int>(q));
                }
            message.append(" ").append(rank_list(group)).append(" read ").append(descriptions[r]);
            message.append(" (fingerprint ").append(hex(std::bit_cast<std::uint64_t>(all[r])));
            message.append(");");
        }
        message.back() = '.';
        if (!advice.empty()) message.append(" ").append(advice);
    }
    throw std::runtime_error(context.broadcast_from_root(message));
}

}  // namespace infomorph

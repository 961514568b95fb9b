#include <infomorph/pid/lattice.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <mutex>
#include <numeric>
#include <stdexcept>

namespace infomorph::pid {
namespace {

using sets = std::vector<source_set>;

bool is_subset(source_set small, source_set big) { return (small & big) == small; }

// Sets are written smaller first, equal sizes by their digits: {1}{23}, {12}{13}.
bool set_before(source_set a, source_set b) {
    const int size_a = std::popcount(a);
    const int size_b = std::popcount(b);
    if (size_a != size_b) return size_a < size_b;
    return source_set_name(a) < source_set_name(b);
}

std::vector<sets> enumerate_antichains(int n_sources) {
    const int n_subsets = (1 << n_sources) - 1;  // non-empty source sets 1..n_subsets
    std::vector<sets> result;
    // A collection of source sets is itself a bit mask over the non-empty sets.
    for (std::uint32_t collection = 1; collection < (1u << n_subsets); ++collection) {
        sets members;
        for (int s = 0; s < n_subsets; ++s)
            if (collection & (1u << s)) members.push_back(static_cast<source_set>(s + 1));
        bool antichain = true;
        for (std::size_t i = 0; i < members.size() && antichain; ++i)
            for (std::size_t j = 0; j < members.size() && antichain; ++j)
                if (i != j && is_subset(members[i], members[j])) antichain = false;
        if (!antichain) continue;
        std::sort(members.begin(), members.end(), set_before);
        result.push_back(std::move(members));
    }
    return result;
}

// beta <= alpha iff every set of alpha contains some set of beta.
bool below_or_equal(const sets& beta, const sets& alpha) {
    return std::all_of(alpha.begin(), alpha.end(), [&](source_set a) {
        return std::any_of(beta.begin(), beta.end(), [&](source_set b) { return is_subset(b, a); });
    });
}

std::vector<union_term> expand_union(const sets& antichain) {
    std::array<int, 1 << max_sources> coefficient{};
    const std::size_t m = antichain.size();
    for (std::uint32_t subset = 1; subset < (1u << m); ++subset) {
        source_set joined = 0;
        for (std::size_t i = 0; i < m; ++i)
            if (subset & (1u << i)) joined = static_cast<source_set>(joined | antichain[i]);
        coefficient[joined] += (std::popcount(subset) % 2 == 1) ? 1 : -1;
    }
    std::vector<union_term> terms;
    for (std::size_t s = 1; s < coefficient.size(); ++s)
        if (coefficient[s] != 0)
            terms.push_back({static_cast<source_set>(s), coefficient[s]});
    return terms;
}

}  // namespace

std::string source_set_name(source_set set) {
    std::string digits;
    for (int i = 0; i < 8; ++i)
        if (set & (1u << i)) digits.push_back(static_cast<char>('1' + i));
    return digits;
}

redundancy_lattice::redundancy_lattice(int n_sources) : n_sources_(n_sources) {
    if (n_sources < 1 || n_sources > max_sources)
        throw std::invalid_argument("redundancy lattice: number of sources must be 1.." +
                                    std::to_string(max_sources) + ", got " +
                                    std::to_string(n_sources));
    std::vector<sets> nodes = enumerate_antichains(n_sources);
    const std::size_t count = nodes.size();

    // Height of each node: the longest strict chain below it.
    std::vector<int> height(count, -1);
    auto compute_height = [&](auto&& self, std::size_t a) -> int {
        if (height[a] >= 0) return height[a];
        int h = 0;
        for (std::size_t b = 0; b < count; ++b)
            if (b != a && below_or_equal(nodes[b], nodes[a])) h = std::max(h, self(self, b) + 1);
        return height[a] = h;
    };
    for (std::size_t a = 0; a < count; ++a) compute_height(compute_height, a);

    // Order by height, then the smallest set size, then the sets themselves. This reproduces the
    // atom order of the published three-source goal vectors and is the documented order for four.
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (height[a] != height[b]) return height[a] < height[b];
        const int min_a = std::popcount(nodes[a].front());
        const int min_b = std::popcount(nodes[b].front());
        if (min_a != min_b) return min_a < min_b;
        return std::lexicographical_compare(nodes[a].begin(), nodes[a].end(), nodes[b].begin(),
                                            nodes[b].end(), set_before);
    });
    // The two-source convention lists the unique atoms first: {1}, {2}, {1}{2}, {12}.
    if (n_sources == 2) std::rotate(order.begin(), order.begin() + 1, order.begin() + 3);

    for (std::size_t i : order) antichains_.push_back(nodes[i]);

    order_.assign(count * count, 0);
    for (std::size_t b = 0; b < count; ++b)
        for (std::size_t a = 0; a < count; ++a)
            order_[b * count + a] = below_or_equal(antichains_[b], antichains_[a]) ? 1 : 0;

    // Moebius inversion of I_cap(alpha) = sum over beta <= alpha of Pi(beta), solved in a linear
    // extension of the order (increasing height), where the zeta matrix is unit lower triangular.
    std::vector<std::size_t> by_height(count);
    std::iota(by_height.begin(), by_height.end(), 0);
    std::stable_sort(by_height.begin(), by_height.end(), [&](std::size_t a, std::size_t b) {
        return height[order[a]] < height[order[b]];
    });
    moebius_.assign(count * count, 0);
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t alpha = by_height[i];
        moebius_[alpha * count + alpha] = 1;
        for (std::size_t j = i; j-- > 0;) {
            const std::size_t beta = by_height[j];
            // (Z M)(alpha, beta) = 0 for alpha != beta: M(alpha, beta) = -sum of M(gamma, beta)
            // over beta <= gamma < alpha.
            int sum = 0;
            for (std::size_t k = j; k < i; ++k) {
                const std::size_t gamma = by_height[k];
                if (precedes(gamma, alpha)) sum += moebius_[gamma * count + beta];
            }
            moebius_[alpha * count + beta] = precedes(beta, alpha) ? -sum : 0;
        }
    }

    for (const sets& antichain : antichains_) union_terms_.push_back(expand_union(antichain));
    const auto full = static_cast<source_set>((1u << n_sources) - 1);
    for (std::size_t i = 0; i < count; ++i)
        if (antichains_[i].size() == 1 && antichains_[i][0] == full) full_index_ = i;
}

const redundancy_lattice& redundancy_lattice::of(int n_sources) {
    if (n_sources < 1 || n_sources > max_sources) return *new redundancy_lattice(n_sources);
    static std::array<std::once_flag, max_sources> once;
    static std::array<const redundancy_lattice*, max_sources> built{};
    std::call_once(once[static_cast<std::size_t>(n_sources - 1)], [n_sources] {
        built[static_cast<std::size_t>(n_sources - 1)] = new redundancy_lattice(n_sources);
    });
    return *built[static_cast<std::size_t>(n_sources - 1)];
}

std::string redundancy_lattice::name(std::size_t i) const {
    std::string text;
    for (source_set s : antichains_[i]) {
        text += '{';
        text += source_set_name(s);
        text += '}';
    }
    return text;
}

std::optional<std::size_t> redundancy_lattice::find(std::string_view name) const {
    sets parsed;
    std::size_t pos = 0;
    while (pos < name.size()) {
        if (name[pos] != '{') return std::nullopt;
        const std::size_t close = name.find('}', pos);
        if (close == std::string_view::npos || close == pos + 1) return std::nullopt;
        source_set set = 0;
        for (std::size_t k = pos + 1; k < close; ++k) {
            const int digit = name[k] - '0';
            if (digit < 1 || digit > n_sources_) return std::nullopt;
            set = static_cast<source_set>(set | (1u << (digit - 1)));
        }
        parsed.push_back(set);
        pos = close + 1;
    }
    std::sort(parsed.begin(), parsed.end(), set_before);
    for (std::size_t i = 0; i < antichains_.size(); ++i)
        if (antichains_[i] == parsed) return i;
    return std::nullopt;
}

}  // namespace infomorph::pid

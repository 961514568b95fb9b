#include <infomorph/pid/shared_exclusion.hpp>

#include "pid/key_index.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

#if defined(EIGEN_VECTORIZE_AVX2) && defined(EIGEN_VECTORIZE_FMA) && \
    !defined(EIGEN_VECTORIZE_AVX512)
#include <immintrin.h>
#define INFOMORPH_AVX2_LOG2 1
#endif

// How the work is organised.
//
// The event W_alpha(s) depends only on the sources in the union U of alpha's sets, so I_sx(alpha)
// is a function of the marginal p(t, s_U) alone: every antichain is evaluated on the groups of
// cells that agree on U (its "level"), not on the cells. For n = 3 that leaves 9 of the 18
// antichains on the full cells, 6 on pairs of sources and 3 on single sources.
//
// At level U, with q(t, h) = p(t, s_U = h) and m_V the marginal of a subset V of U,
//     P(t, W(h)) = sum over union terms (V, k) of k * m_V(t, h_V),
// I_sx - H(T) = sum_h [sum_t q(t, h) log2 P(t, W(h)) - q(h) log2 P(W(h))], and
//     dI_sx/dq(t', h') = log2 P(t', W(h')) - log2 P(W(h'))
//                        + (1/ln2) sum over terms (V, k) of k * sum over h with h_V = h'_V of
//                          [q(t', h) / P(t', W(h)) - q(h) / P(W(h))]   (+ the H(T) part).
// Everything is linear in the per-antichain quantities, so for a goal the weighted log terms
// and the weighted ratios are summed per subset V over the V-groups first, across all
// antichains and levels; one gather back to the cells per subset then finishes the gradient.
//
// Totals over targets are carried as one more "target" (index n_targets), so that P(W) and
// P(t, W) come out of the same inclusion-exclusion sum. A level's groups are processed in
// chunks small enough that all working arrays of a chunk stay in the L1 cache, in a block layout
// ([t * chunk_size + h]) so that one vectorised pass per antichain does everything: union
// masses, logs, ratios and sums.

namespace infomorph::pid {
namespace {

constexpr double inv_ln2 = 1.0 / std::numbers::ln2;
// Floor of every union mass: an entry of zero mass whose union is also empty contributes
// 0 * log2(floor) = 0 to I_sx, and a finite slope to the gradient.
constexpr double mass_floor = std::numeric_limits<double>::min();
// Largest dense group index (entries of two uint32 arrays); larger projections use hashing.
constexpr std::size_t max_dense_size = std::size_t{1} << 18;
// Groups per chunk of a level.
constexpr std::size_t chunk_size = 64;
// Sums over few groups (a source's bins) are spread over this many interleaved copies, so that
// consecutive cells of the same group do not wait for each other's additions.
constexpr std::size_t spread_lanes = 4;
constexpr std::size_t max_spread_groups = 64;
std::size_t lanes_for(std::size_t n_groups) {
    return n_groups <= max_spread_groups ? spread_lanes : 1;
}
// Most inclusion-exclusion terms of one antichain ({1}{2}{3}{4}: 15).
constexpr std::size_t max_terms = (1u << max_sources) - 1;

using packet = Eigen::internal::packet_traits<double>::type;
constexpr std::size_t packet_size = static_cast<std::size_t>(Eigen::internal::packet_traits<double>::size);
static_assert(chunk_size % packet_size == 0);

// log2 of normal, finite, positive numbers x (no checks for anything else) and, with
// WithRatio, also q / x, sharing one division between the two.
template <bool WithRatio>
inline packet log2_normal(const packet& x, const packet& q, packet& ratio) {
#ifdef INFOMORPH_AVX2_LOG2
    // Cephes' log, as Eigen's plog2, without the special cases. x = m * 2^e with m in
    // [sqrt(1/2), sqrt(2)), then log(m) = f - f^2/2 + f^3 P(f)/Q(f), f = m - 1.
    const __m256i bits = _mm256_castpd_si256(x);
    // Biased exponent E as a double: the bits of 2^52 + E, minus 2^52 (and the bias).
    const __m256i exponent_bits =
        _mm256_or_si256(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(0x4330000000000000));
    __m256d e = _mm256_sub_pd(_mm256_castsi256_pd(exponent_bits),
                              _mm256_set1_pd(4503599627370496.0 + 1022.0));
    // Mantissa in [0.5, 1).
    const __m256d m = _mm256_castsi256_pd(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffff)),
                        _mm256_set1_epi64x(0x3fe0000000000000)));
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d small = _mm256_cmp_pd(m, _mm256_set1_pd(0.70710678118654752440), _CMP_LT_OQ);
    e = _mm256_sub_pd(e, _mm256_and_pd(small, one));
    const __m256d f = _mm256_add_pd(_mm256_sub_pd(m, one), _mm256_and_pd(small, m));

    const __m256d f2 = _mm256_mul_pd(f, f);
    const __m256d f3 = _mm256_mul_pd(f2, f);
    __m256d y = _mm256_fmadd_pd(_mm256_set1_pd(1.01875663804580931796E-4), f,
                                _mm256_set1_pd(4.97494994976747001425E-1));
    __m256d y1 = _mm256_fmadd_pd(_mm256_set1_pd(1.44989225341610930846E1), f,
                                 _mm256_set1_pd(1.79368678507819816313E1));
    y = _mm256_fmadd_pd(y, f, _mm256_set1_pd(4.70579119878881725854E0));
    y1 = _mm256_fmadd_pd(y1, f, _mm256_set1_pd(7.70838733755885391666E0));
    const __m256d numerator = _mm256_mul_pd(_mm256_fmadd_pd(y, f3, y1), f3);
    __m256d z = _mm256_add_pd(f, _mm256_set1_pd(1.12873587189167450590E1));
    __m256d z1 = _mm256_fmadd_pd(_mm256_set1_pd(8.29875266912776603211E1), f,
                                 _mm256_set1_pd(7.11544750618563894466E1));
    z = _mm256_fmadd_pd(z, f, _mm256_set1_pd(4.52279145837532221105E1));
    z1 = _mm256_fmadd_pd(z1, f, _mm256_set1_pd(2.31251620126765340583E1));
    const __m256d denominator = _mm256_fmadd_pd(z, f3, z1);  // in [8, 120] here: no overflow
    __m256d log_m;
    if constexpr (WithRatio) {
        // 1 / (x * Q) gives both numerator / Q and q / x.
        const __m256d inverse = _mm256_div_pd(one, _mm256_mul_pd(x, denominator));
        log_m = _mm256_mul_pd(numerator, _mm256_mul_pd(x, inverse));
        ratio = _mm256_mul_pd(q, _mm256_mul_pd(denominator, inverse));
    } else {
        log_m = _mm256_div_pd(numerator, denominator);
    }
    log_m = _mm256_fmadd_pd(_mm256_set1_pd(-0.5), f2, log_m);
    log_m = _mm256_add_pd(f, log_m);
    return _mm256_fmadd_pd(log_m, _mm256_set1_pd(std::numbers::log2e), e);
#else
    if constexpr (WithRatio) ratio = Eigen::internal::pdiv(q, x);
    return Eigen::internal::plog2(x);
#endif
}

// One antichain on one chunk of groups, in one pass: the union masses
// P = sum_k coefficient[k] * mass[k], clamped below by q, their logs, and the return value
// sum of signed_mass * log2 P. With Gradient also direct += weight * log2 P and, for every term,
// sum[k] += weight * coefficient[k] / ln2 * q / P. The arrays hold `blocks` blocks of
// chunk_size entries, of which the first `width` (whole packets) are used.
template <std::size_t Terms, bool Gradient>
double union_kernel(const double* const* mass, const double* coefficient, const double* q,
                    const double* signed_mass, std::size_t blocks, std::size_t width,
                    double weight, double* direct, double* const* sum) {
    using namespace Eigen::internal;
    packet c[Terms];
    packet scale[Terms];
    for (std::size_t k = 0; k < Terms; ++k) {
        c[k] = pset1<packet>(coefficient[k]);
        scale[k] = pset1<packet>(weight * coefficient[k] * inv_ln2);
    }
    const packet floor = pset1<packet>(mass_floor);
    const packet w = pset1<packet>(weight);
    packet acc = pset1<packet>(0.0);
    for (std::size_t b = 0; b < blocks; ++b)
        for (std::size_t i = b * chunk_size; i < b * chunk_size + width; i += packet_size) {
            packet p = pmul(c[0], ploadu<packet>(mass[0] + i));
            for (std::size_t k = 1; k < Terms; ++k) p = pmadd(c[k], ploadu<packet>(mass[k] + i), p);
            // W contains the event s_U = h, so a union below q is round-off.
            const packet qi = ploadu<packet>(q + i);
            p = pmax(pmax(p, qi), floor);
            // A single-set antichain has P = q: the ratio is 1 wherever q is not zero.
            constexpr bool divide = Gradient && Terms > 1;
            packet ratio = pset1<packet>(0.0);
            const packet log_p = log2_normal<divide>(p, qi, ratio);
            acc = pmadd(ploadu<packet>(signed_mass + i), log_p, acc);
            if constexpr (Gradient) {
                pstoreu(direct + i, pmadd(w, log_p, ploadu<packet>(direct + i)));
                if constexpr (Terms == 1) ratio = pand(pcmp_le(floor, qi), pset1<packet>(1.0));
                for (std::size_t k = 0; k < Terms; ++k)
                    pstoreu(sum[k] + i, pmadd(scale[k], ratio, ploadu<packet>(sum[k] + i)));
            }
        }
    return predux(acc);
}

// Sums the interleaved copies data[(g * lanes + l) * blocks + t] into data[g * blocks + t].
void reduce_lanes(double* data, std::size_t n_groups, std::size_t blocks, std::size_t lanes) {
    for (std::size_t g = 0; g < n_groups; ++g)
        for (std::size_t t = 0; t < blocks; ++t) {
            double sum = 0;
            for (std::size_t l = 0; l < lanes; ++l) sum += data[(g * lanes + l) * blocks + t];
            data[g * blocks + t] = sum;
        }
}

using kernel_fn = double (*)(const double* const*, const double*, const double*, const double*,
                             std::size_t, std::size_t, double, double*, double* const*);

template <bool Gradient, std::size_t... I>
constexpr std::array<kernel_fn, sizeof...(I)> make_kernels(std::index_sequence<I...>) {
    return {&union_kernel<I + 1, Gradient>...};
}
constexpr auto value_kernels = make_kernels<false>(std::make_index_sequence<max_terms>{});
constexpr auto gradient_kernels = make_kernels<true>(std::make_index_sequence<max_terms>{});

void check_view(const joint_view& pmf, int n_sources) {
    if (pmf.n_sources != n_sources)
        throw std::invalid_argument("PID estimator for " + std::to_string(n_sources) +
                                    " sources given a pmf with " + std::to_string(pmf.n_sources));
    if (pmf.n_targets < 1 ||
        pmf.mass.size() != pmf.keys.size() * static_cast<std::size_t>(pmf.n_targets))
        throw std::invalid_argument("PID estimator: mass array does not match cells x targets");
}

double entropy_bits(const std::vector<double>& mass) {
    double h = 0;
    for (double m : mass)
        if (m > 0) h -= m * std::log2(m);
    return h;
}

}  // namespace

struct shared_exclusion_pid::engine {
    explicit engine(int n_sources);

    int n_sources() const { return lattice_->n_sources(); }
    pid_values evaluate(const joint_view& pmf);
    double goal_and_gradient(const joint_view& pmf, std::span<const double> isx_weights,
                             double h_res_weight, std::span<double> gradient);
    double goal_and_gradient(const joint_view& pmf, const goal& g, std::span<double> gradient);

    // Shared by evaluate (weights empty: every antichain, values into isx_minus_entropy_) and
    // goal_and_gradient (only antichains of non-zero weight; gradient written when non-empty).
    // Targets: the number of target values if fixed at compile time (2), else 0.
    template <std::size_t Targets>
    double run(const joint_view& pmf, std::span<const double> isx_weights, double h_res_weight,
               std::span<double> gradient);
    // Groups of the cells under projection onto every source subset in subset_mask, and the
    // marginal masses of the groups.
    template <std::size_t Targets>
    void group_cells(const joint_view& pmf, std::uint32_t subset_mask);

    const redundancy_lattice* lattice_;
    int n_subsets_;                                // 2^n; subsets are indexed by their bit mask
    std::vector<std::uint8_t> level_;              // per antichain: the union of its sets
    std::vector<std::vector<std::size_t>> by_level_;  // antichains per level
    std::vector<double> isx_minus_entropy_;        // per antichain, from the last run

    // Per non-empty source subset X: group of each cell under projection onto X, the number of
    // groups, and the marginal masses: marginal_[X][g * (n_targets + 1) + t] = p(t, s_X = g),
    // with the total p(s_X = g) at t = n_targets.
    std::vector<std::vector<std::uint32_t>> group_of_cell_;
    std::vector<std::vector<std::uint32_t>> first_cell_;  // a cell of each group, where recorded
    std::vector<std::size_t> n_groups_;
    std::vector<std::vector<double>> marginal_;
    // Per pair (level U, proper subset V of U), index U * n_subsets_ + V: the V-group of every
    // U-group (for U = all sources the cells' own V-groups serve).
    std::vector<std::vector<std::uint32_t>> group_map_;
    std::vector<std::uint32_t> needs_;        // per level U: bit mask of the subsets V it uses
    std::vector<std::vector<double>> sums_;   // per subset X: gradient sums, marginal_'s layout

    // Group finding: a dense index over the product of the source alphabets where that is
    // small, else open addressing. Stamps avoid clearing either between uses.
    std::vector<std::uint32_t> codes_;        // source i of cell c at [i * n_cells + c]
    std::vector<std::uint32_t> dense_stamps_;
    std::vector<std::uint32_t> dense_values_;
    key_index key_index_;
    std::uint32_t dense_stamp_ = 0;

    std::vector<double> target_mass_;  // p(t)
    // Per chunk of groups of one level (block layout over the chunk): the marginal of each
    // subset, the ratio sums per subset, the level's marginal with negated totals, and the
    // weighted logs.
    std::vector<double> chunk_marginal_;
    std::vector<double> chunk_ratio_sum_;
    std::vector<double> signed_mass_;
    std::vector<double> direct_;
};

shared_exclusion_pid::engine::engine(int n_sources)
    : lattice_(&redundancy_lattice::of(n_sources)), n_subsets_(1 << n_sources) {
    const auto subsets = static_cast<std::size_t>(n_subsets_);
    by_level_.resize(subsets);
    for (std::size_t alpha = 0; alpha < lattice_->size(); ++alpha) {
        std::uint8_t level = 0;
        for (source_set s : lattice_->antichain(alpha)) level = static_cast<std::uint8_t>(level | s);
        level_.push_back(level);
        by_level_[level].push_back(alpha);
    }
    group_of_cell_.resize(subsets);
    first_cell_.resize(subsets);
    n_groups_.resize(subsets);
    marginal_.resize(subsets);
    group_map_.resize(subsets * subsets);
    needs_.resize(subsets);
    sums_.resize(subsets);
}

template <std::size_t Targets>
void shared_exclusion_pid::engine::group_cells(const joint_view& pmf, std::uint32_t subset_mask) {
    const std::size_t n_cells = pmf.n_cells();
    const std::size_t n_targets = Targets ? Targets : static_cast<std::size_t>(pmf.n_targets);
    const std::size_t blocks = n_targets + 1;
    const auto full = static_cast<std::size_t>(n_subsets_ - 1);
    const int n = n_sources();

    // Source codes of every cell, and the alphabet size of each source (largest code + 1) for
    // the dense index.
    std::array<std::size_t, max_sources> alphabet{};
    codes_.resize(static_cast<std::size_t>(n) * n_cells);
    for (int i = 0; i < n; ++i) {
        std::uint32_t* code = codes_.data() + static_cast<std::size_t>(i) * n_cells;
        std::uint32_t largest = 0;
        for (std::size_t c = 0; c < n_cells; ++c) {
            code[c] = static_cast<std::uint32_t>((pmf.keys[c] >> (16 * i)) & 0xFFFF);
            largest = std::max(largest, code[c]);
        }
        alphabet[static_cast<std::size_t>(i)] = std::size_t{largest} + 1;
    }

    for (std::size_t subset = 1; subset <= full; ++subset) {
        if (!(subset_mask & (1u << subset))) continue;
        auto& group = group_of_cell_[subset];
        group.resize(n_cells);
        std::size_t n_groups = 0;
        auto& first = first_cell_[subset];
        first.clear();

        std::size_t dense_size = 1;
        for (int i = 0; i < n && dense_size <= max_dense_size; ++i)
            if (subset & (1u << i)) dense_size *= alphabet[static_cast<std::size_t>(i)];

        if (subset == full) {  // keys are distinct: every cell is its own group
            for (std::size_t c = 0; c < n_cells; ++c) group[c] = static_cast<std::uint32_t>(c);
            n_groups = n_cells;
        } else if (subset == (subset & -subset) && 4 * dense_size <= n_cells) {
            // One source with a small alphabet: its codes are the groups (a few may be empty).
            const int i = std::countr_zero(static_cast<unsigned>(subset));
            const std::uint32_t* code = codes_.data() + static_cast<std::size_t>(i) * n_cells;
            std::copy_n(code, n_cells, group.begin());
            n_groups = dense_size;
        } else if (dense_size <= max_dense_size) {
            if (dense_stamps_.size() < dense_size) {
                dense_stamps_.assign(dense_size, 0);
                dense_values_.resize(dense_size);
                dense_stamp_ = 0;
            }
            // Stamps tell live slots from stale ones; on wrap-around clear them once.
            if (++dense_stamp_ == 0) {
                std::fill(dense_stamps_.begin(), dense_stamps_.end(), 0);
                dense_stamp_ = 1;
            }
            // The dense index of every cell, accumulated source by source into group[].
            std::fill(group.begin(), group.end(), 0u);
            std::uint32_t step = 1;
            for (int i = 0; i < n; ++i) {
                if (!(subset & (1u << i))) continue;
                const std::uint32_t* code = codes_.data() + static_cast<std::size_t>(i) * n_cells;
                for (std::size_t c = 0; c < n_cells; ++c) group[c] += step * code[c];
                step *= static_cast<std::uint32_t>(alphabet[static_cast<std::size_t>(i)]);
            }
            for (std::size_t c = 0; c < n_cells; ++c) {
                const std::size_t index = group[c];
                if (dense_stamps_[index] != dense_stamp_) {
                    dense_stamps_[index] = dense_stamp_;
                    dense_values_[index] = static_cast<std::uint32_t>(n_groups++);
                    first.push_back(static_cast<std::uint32_t>(c));
                }
                group[c] = dense_values_[index];
            }
        } else {
            cell_key mask = 0;
            for (int i = 0; i < n; ++i)
                if (subset & (1u << i)) mask |= cell_key{0xFFFF} << (16 * i);
            key_index_.reset(n_cells);
            for (std::size_t c = 0; c < n_cells; ++c) {
                group[c] = key_index_.insert(pmf.keys[c] & mask);
                if (group[c] == n_groups) {  // a new group: remember its first cell
                    ++n_groups;
                    first.push_back(static_cast<std::uint32_t>(c));
                }
            }
        }
        n_groups_[subset] = n_groups;

        auto& marginal = marginal_[subset];
        const std::size_t lanes = lanes_for(n_groups);
        marginal.assign(blocks * n_groups * lanes, 0.0);
        const double* mass = pmf.mass.data();
        for (std::size_t c = 0; c < n_cells; ++c) {
            double* out = marginal.data() + blocks * (group[c] * lanes + (c & (lanes - 1)));
            double total = 0;
            for (std::size_t t = 0; t < n_targets; ++t) {
                const double m = mass[c * n_targets + t];
                out[t] += m;
                total += m;
            }
            out[n_targets] += total;
        }
        if (lanes > 1) {
            reduce_lanes(marginal.data(), n_groups, blocks, lanes);
            marginal.resize(blocks * n_groups);
        }
    }
}

pid_values shared_exclusion_pid::engine::evaluate(const joint_view& pmf) {
    check_view(pmf, n_sources());
    const std::size_t count = lattice_->size();
    if (pmf.n_targets == 2)
        run<2>(pmf, {}, 0.0, {});
    else
        run<0>(pmf, {}, 0.0, {});
    pid_values result;
    result.target_entropy = entropy_bits(target_mass_);
    result.isx.resize(count);
    for (std::size_t alpha = 0; alpha < count; ++alpha)
        result.isx[alpha] = isx_minus_entropy_[alpha] + result.target_entropy;
    result.atoms.assign(count, 0.0);
    for (std::size_t alpha = 0; alpha < count; ++alpha)
        for (std::size_t beta = 0; beta < count; ++beta)
            result.atoms[alpha] += lattice_->moebius(alpha, beta) * result.isx[beta];
    result.h_res = result.target_entropy - result.isx[lattice_->full_index()];
    return result;
}

double shared_exclusion_pid::engine::goal_and_gradient(const joint_view& pmf, const goal& g,
                                               std::span<double> gradient) {
    if (g.n_sources != n_sources())
        throw std::invalid_argument("goal for " + std::to_string(g.n_sources) +
                                    " sources used with a " + std::to_string(n_sources()) +
                                    "-source estimator");
    const std::vector<double> weights = g.isx_weights();
    return goal_and_gradient(pmf, weights, g.h_res_weight, gradient);
}

double shared_exclusion_pid::engine::goal_and_gradient(const joint_view& pmf,
                                               std::span<const double> isx_weights,
                                               double h_res_weight, std::span<double> gradient) {
    check_view(pmf, n_sources());
    if (isx_weights.size() != lattice_->size())
        throw std::invalid_argument("goal gradient: expected " + std::to_string(lattice_->size()) +
                                    " redundancy weights, got " +
                                    std::to_string(isx_weights.size()));
    if (gradient.size() != pmf.mass.size())
        throw std::invalid_argument("goal gradient: gradient array does not match the pmf");
    if (pmf.n_targets == 2) return run<2>(pmf, isx_weights, h_res_weight, gradient);
    return run<0>(pmf, isx_weights, h_res_weight, gradient);
}

template <std::size_t Targets>
double shared_exclusion_pid::engine::run(const joint_view& pmf, std::span<const double> isx_weights,
                                 double h_res_weight, std::span<double> gradient) {
    const bool all = isx_weights.empty();  // evaluate: every antichain, values only
    const bool want_gradient = !all && !gradient.empty();
    const std::size_t n_cells = pmf.n_cells();
    const std::size_t n_targets = Targets ? Targets : static_cast<std::size_t>(pmf.n_targets);
    const std::size_t blocks = n_targets + 1;
    const auto subsets = static_cast<std::size_t>(n_subsets_);
    const auto full = subsets - 1;
    const std::size_t count = lattice_->size();
    isx_minus_entropy_.assign(count, 0.0);

    // Which levels and subsets the antichains in use need.
    std::fill(needs_.begin(), needs_.end(), 0u);
    std::uint32_t subset_mask = 0;
    double weight_sum = 0;
    for (std::size_t alpha = 0; alpha < count; ++alpha) {
        if (!all) {
            weight_sum += isx_weights[alpha];
            if (isx_weights[alpha] == 0) continue;
        }
        const std::size_t level = level_[alpha];
        subset_mask |= 1u << level;
        needs_[level] |= 1u << level;  // q, even where the top union term cancels
        for (const union_term& term : lattice_->union_terms(alpha)) {
            needs_[level] |= 1u << term.sources;
            subset_mask |= 1u << term.sources;
        }
    }

    target_mass_.assign(n_targets, 0.0);
    for (std::size_t c = 0; c < n_cells; ++c)
        for (std::size_t t = 0; t < n_targets; ++t) target_mass_[t] += pmf.mass[c * n_targets + t];

    group_cells<Targets>(pmf, subset_mask);

    // Interleaved copies of the gradient sums of subsets with few groups (the cells' own sums,
    // at the top, are never spread).
    auto sum_lanes = [&](std::size_t x) { return x == full ? 1 : lanes_for(n_groups_[x]); };
    if (want_gradient)
        for (std::size_t x = 1; x < subsets; ++x)
            if (subset_mask & (1u << x))
                sums_[x].assign(blocks * n_groups_[x] * sum_lanes(x), 0.0);

    // Chunk arrays: target t of subset v at [(v * blocks + t) * chunk_size], the width rounded
    // up to whole packets with zero marginals in the padding.
    const std::size_t stride = blocks * chunk_size;
    chunk_marginal_.resize(subsets * stride);
    chunk_ratio_sum_.resize(subsets * stride);
    signed_mass_.resize(stride);
    direct_.resize(stride);

    double value = 0;
    for (std::size_t level = 1; level < subsets; ++level) {
        if (!needs_[level]) continue;
        const std::size_t n_level = n_groups_[level];
        const auto& level_group = group_of_cell_[level];

        // The V-group of every group of this level (the cells' own groups at the top level).
        std::array<const std::uint32_t*, 1 << max_sources> map{};
        for (std::size_t v = 1; v < subsets; ++v) {
            if (!(needs_[level] & (1u << v)) || v == level) continue;
            if (level == full) {
                map[v] = group_of_cell_[v].data();
                continue;
            }
            auto& level_map = group_map_[level * subsets + v];
            level_map.resize(n_level);
            const auto& v_group = group_of_cell_[v];
            const auto& first = first_cell_[level];
            if (first.size() == n_level) {  // a cell of each group is known
                for (std::size_t h = 0; h < n_level; ++h) level_map[h] = v_group[first[h]];
            } else {
                for (std::size_t c = 0; c < n_cells; ++c) level_map[level_group[c]] = v_group[c];
            }
            map[v] = level_map.data();
        }

        for (std::size_t first = 0; first < n_level; first += chunk_size) {
            const std::size_t width = std::min(chunk_size, n_level - first);
            const std::size_t padded = (width + packet_size - 1) / packet_size * packet_size;

            // Marginals of the level and of its subsets at this chunk's groups.
            for (std::size_t v = 1; v < subsets; ++v) {
                if (!(needs_[level] & (1u << v))) continue;
                double* out = chunk_marginal_.data() + v * stride;
                const double* source = marginal_[v].data();
                if (v == level) {
                    for (std::size_t h = 0; h < width; ++h)
                        for (std::size_t t = 0; t < blocks; ++t)
                            out[t * chunk_size + h] = source[(first + h) * blocks + t];
                } else {
                    const std::uint32_t* to_v = map[v] + first;
                    for (std::size_t h = 0; h < width; ++h)
                        for (std::size_t t = 0; t < blocks; ++t)
                            out[t * chunk_size + h] = source[to_v[h] * blocks + t];
                }
                for (std::size_t t = 0; t < blocks; ++t)
                    std::fill(out + t * chunk_size + width, out + t * chunk_size + padded, 0.0);
                if (want_gradient) std::fill_n(chunk_ratio_sum_.data() + v * stride, stride, 0.0);
            }
            const double* q = chunk_marginal_.data() + level * stride;
            // q with the totals negated: I_sx - H(T) = sum of signed_mass * log2 P.
            for (std::size_t t = 0; t < blocks; ++t) {
                const double sign = t < n_targets ? 1.0 : -1.0;
                for (std::size_t h = 0; h < padded; ++h)
                    signed_mass_[t * chunk_size + h] = sign * q[t * chunk_size + h];
            }
            if (want_gradient) std::fill(direct_.begin(), direct_.end(), 0.0);

            for (std::size_t alpha : by_level_[level]) {
                const double weight = all ? 1.0 : isx_weights[alpha];
                if (weight == 0) continue;
                const auto& terms = lattice_->union_terms(alpha);
                std::array<const double*, max_terms> term_mass{};
                std::array<double*, max_terms> term_sum{};
                std::array<double, max_terms> term_coefficient{};
                for (std::size_t k = 0; k < terms.size(); ++k) {
                    term_mass[k] = chunk_marginal_.data() + terms[k].sources * stride;
                    term_sum[k] = chunk_ratio_sum_.data() + terms[k].sources * stride;
                    term_coefficient[k] = terms[k].coefficient;
                }
                const auto& kernels = want_gradient ? gradient_kernels : value_kernels;
                const double part = kernels[terms.size() - 1](
                    term_mass.data(), term_coefficient.data(), q, signed_mass_.data(), blocks,
                    padded, weight, direct_.data(), term_sum.data());
                isx_minus_entropy_[alpha] += part;
                value += weight * part;
            }
            if (!want_gradient) continue;

            // Into the per-group sums of every subset.
            for (std::size_t v = 1; v < subsets; ++v) {
                if (!(needs_[level] & (1u << v))) continue;
                const double* add = chunk_ratio_sum_.data() + v * stride;
                double* sums = sums_[v].data();
                const std::size_t lanes = sum_lanes(v);
                if (v == level) {
                    for (std::size_t h = 0; h < width; ++h)
                        for (std::size_t t = 0; t < blocks; ++t)
                            sums[(first + h) * lanes * blocks + t] +=
                                add[t * chunk_size + h] + direct_[t * chunk_size + h];
                } else {
                    const std::uint32_t* to_v = map[v] + first;
                    for (std::size_t h = 0; h < width; ++h) {
                        double* out = sums + (to_v[h] * lanes + (h & (lanes - 1))) * blocks;
                        for (std::size_t t = 0; t < blocks; ++t) out[t] += add[t * chunk_size + h];
                    }
                }
            }
        }
    }
    if (all) return 0.0;

    const double target_entropy = entropy_bits(target_mass_);
    value += (weight_sum + h_res_weight) * target_entropy;
    if (!want_gradient) return value;

    // d/dp(t, c) of p(t) and H(T) are the same for every cell: each I_sx holds +H(T), and so
    // does the h_res weight's term.
    std::array<double, 16> entropy_slope{};
    std::vector<double> slope_storage;  // only for more than 16 target values
    double* slope = entropy_slope.data();
    if (n_targets > entropy_slope.size()) {
        slope_storage.resize(n_targets);
        slope = slope_storage.data();
    }
    for (std::size_t t = 0; t < n_targets; ++t) {
        const double log_target = target_mass_[t] > 0 ? std::log2(target_mass_[t]) : 0.0;
        slope[t] = (weight_sum + h_res_weight) * (-log_target - inv_ln2);
    }
    // Each subset's sums, target minus total, back to the cells: the differences per group
    // first (in place), then one pass over the cells adds those of all subsets.
    std::array<const double*, 1 << max_sources> differences{};
    std::array<const std::uint32_t*, 1 << max_sources> groups{};
    std::size_t n_parts = 0;
    for (std::size_t x = 1; x < full; ++x) {
        if (!(subset_mask & (1u << x))) continue;
        double* sums = sums_[x].data();
        if (sum_lanes(x) > 1) reduce_lanes(sums, n_groups_[x], blocks, sum_lanes(x));
        for (std::size_t g = 0; g < n_groups_[x]; ++g)
            for (std::size_t t = 0; t < n_targets; ++t)
                sums[g * blocks + t] -= sums[g * blocks + n_targets];
        differences[n_parts] = sums;
        groups[n_parts++] = group_of_cell_[x].data();
    }
    const double* own = (subset_mask & (1u << full)) ? sums_[full].data() : nullptr;
    auto add_parts = [&](std::size_t c, double* acc) {
        for (std::size_t t = 0; t < n_targets; ++t) acc[t] = slope[t];
        if (own)
            for (std::size_t t = 0; t < n_targets; ++t)
                acc[t] += own[c * blocks + t] - own[c * blocks + n_targets];
        for (std::size_t k = 0; k < n_parts; ++k) {
            const double* d = differences[k] + blocks * groups[k][c];
            for (std::size_t t = 0; t < n_targets; ++t) acc[t] += d[t];
        }
    };
    for (std::size_t c = 0; c < n_cells; ++c) {
        if constexpr (Targets > 0) {  // in registers
            std::array<double, Targets> acc;
            add_parts(c, acc.data());
            std::copy(acc.begin(), acc.end(), gradient.begin() + static_cast<std::ptrdiff_t>(c * n_targets));
        } else {
            add_parts(c, gradient.data() + c * n_targets);
        }
    }
    return value;
}

shared_exclusion_pid::shared_exclusion_pid(int n_sources)
    : lattice_(&redundancy_lattice::of(n_sources)), engine_(std::make_unique<engine>(n_sources)) {}
shared_exclusion_pid::~shared_exclusion_pid() = default;
shared_exclusion_pid::shared_exclusion_pid(shared_exclusion_pid&&) noexcept = default;
shared_exclusion_pid& shared_exclusion_pid::operator=(shared_exclusion_pid&&) noexcept = default;

pid_values shared_exclusion_pid::evaluate(const joint_view& pmf) { return engine_->evaluate(pmf); }

double shared_exclusion_pid::goal_and_gradient(const joint_view& pmf,
                                               std::span<const double> isx_weights,
                                               double h_res_weight, std::span<double> gradient) {
    return engine_->goal_and_gradient(pmf, isx_weights, h_res_weight, gradient);
}

double shared_exclusion_pid::goal_and_gradient(const joint_view& pmf, const goal& g,
                                               std::span<double> gradient) {
    return engine_->goal_and_gradient(pmf, g, gradient);
}

}  // namespace infomorph::pid

#include <infomorph/pid/shared_exclusion.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace infomorph::pid {
namespace {

constexpr double inv_ln2 = 1.0 / std::numbers::ln2;

cell_key projection_mask(std::size_t subset) {
    cell_key mask = 0;
    for (int i = 0; i < max_sources; ++i)
        if (subset & (1u << i)) mask |= cell_key{0xFFFF} << (16 * i);
    return mask;
}

std::uint64_t mix(cell_key key) {  // splitmix64 finaliser: a cheap, well-spread hash
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ULL;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebULL;
    return key ^ (key >> 31);
}

void check_view(const joint_view& pmf, int n_sources) {
    if (pmf.n_sources != n_sources)
        throw std::invalid_argument("PID estimator for " + std::to_string(n_sources) +
                                    " sources given a pmf with " + std::to_string(pmf.n_sources));
    if (pmf.n_targets < 1 ||
        pmf.mass.size() != pmf.keys.size() * static_cast<std::size_t>(pmf.n_targets))
        throw std::invalid_argument("PID estimator: mass array does not match cells x targets");
}

}  // namespace

shared_exclusion_pid::shared_exclusion_pid(int n_sources)
    : lattice_(&redundancy_lattice::of(n_sources)), n_subsets_(1 << n_sources) {
    group_of_cell_.resize(static_cast<std::size_t>(n_subsets_));
    n_groups_.resize(static_cast<std::size_t>(n_subsets_));
    marginal_.resize(static_cast<std::size_t>(n_subsets_));
}

void shared_exclusion_pid::group_cells(const joint_view& pmf) {
    const std::size_t n_cells = pmf.n_cells();
    const auto n_targets = static_cast<std::size_t>(pmf.n_targets);
    const std::size_t full = static_cast<std::size_t>(n_subsets_ - 1);

    std::size_t capacity = 16;
    while (capacity < 2 * n_cells) capacity *= 2;
    if (table_keys_.size() < capacity) {
        table_keys_.assign(capacity, 0);
        table_values_.assign(capacity, 0);
        table_stamps_.assign(capacity, 0);
        stamp_ = 0;
    }
    const std::size_t slot_mask = capacity - 1;

    target_mass_.assign(n_targets, 0.0);
    cell_total_.assign(n_cells, 0.0);
    for (std::size_t c = 0; c < n_cells; ++c)
        for (std::size_t t = 0; t < n_targets; ++t) {
            const double m = pmf.mass[c * n_targets + t];
            target_mass_[t] += m;
            cell_total_[c] += m;
        }

    for (std::size_t subset = 1; subset <= full; ++subset) {
        auto& group = group_of_cell_[subset];
        group.resize(n_cells);
        std::size_t n_groups = 0;
        if (subset == full) {  // keys are distinct: every cell is its own group
            for (std::size_t c = 0; c < n_cells; ++c) group[c] = static_cast<std::uint32_t>(c);
            n_groups = n_cells;
        } else {
            // Stamps tell live slots from stale ones; on wrap-around clear them once.
            if (++stamp_ == 0) {
                std::fill(table_stamps_.begin(), table_stamps_.end(), 0);
                stamp_ = 1;
            }
            const cell_key mask = projection_mask(subset);
            for (std::size_t c = 0; c < n_cells; ++c) {
                const cell_key key = pmf.keys[c] & mask;
                std::size_t slot = mix(key) & slot_mask;
                while (table_stamps_[slot] == stamp_ && table_keys_[slot] != key)
                    slot = (slot + 1) & slot_mask;
                if (table_stamps_[slot] != stamp_) {
                    table_stamps_[slot] = stamp_;
                    table_keys_[slot] = key;
                    table_values_[slot] = static_cast<std::uint32_t>(n_groups++);
                }
                group[c] = table_values_[slot];
            }
        }
        n_groups_[subset] = n_groups;
        auto& marginal = marginal_[subset];
        marginal.assign(n_groups * n_targets, 0.0);
        for (std::size_t c = 0; c < n_cells; ++c)
            for (std::size_t t = 0; t < n_targets; ++t)
                marginal[group[c] * n_targets + t] += pmf.mass[c * n_targets + t];
    }
}

void shared_exclusion_pid::union_masses(const joint_view& pmf, std::size_t alpha) {
    const std::size_t n_cells = pmf.n_cells();
    const auto n_targets = static_cast<std::size_t>(pmf.n_targets);
    union_mass_.assign(n_cells * n_targets, 0.0);
    union_total_.resize(n_cells);
    for (const union_term& term : lattice_->union_terms(alpha)) {
        const auto& group = group_of_cell_[term.sources];
        const auto& marginal = marginal_[term.sources];
        const auto coefficient = static_cast<double>(term.coefficient);
        for (std::size_t c = 0; c < n_cells; ++c)
            for (std::size_t t = 0; t < n_targets; ++t)
                union_mass_[c * n_targets + t] += coefficient * marginal[group[c] * n_targets + t];
    }
    for (std::size_t c = 0; c < n_cells; ++c) {
        double total = 0;
        for (std::size_t t = 0; t < n_targets; ++t) {
            double& joint = union_mass_[c * n_targets + t];
            joint = std::max(joint, pmf.mass[c * n_targets + t]);
            total += joint;
        }
        union_total_[c] = std::max(total, cell_total_[c]);
    }
}

double shared_exclusion_pid::isx_minus_entropy(const joint_view& pmf) {
    const std::size_t n_cells = pmf.n_cells();
    const auto n_targets = static_cast<std::size_t>(pmf.n_targets);
    double sum = 0;
    for (std::size_t c = 0; c < n_cells; ++c) {
        if (cell_total_[c] <= 0) continue;
        for (std::size_t t = 0; t < n_targets; ++t) {
            const double joint = pmf.mass[c * n_targets + t];
            if (joint > 0) sum += joint * std::log2(union_mass_[c * n_targets + t]);
        }
        sum -= cell_total_[c] * std::log2(union_total_[c]);
    }
    return sum;
}

namespace {
double entropy_bits(const std::vector<double>& mass) {
    double h = 0;
    for (double m : mass)
        if (m > 0) h -= m * std::log2(m);
    return h;
}
}  // namespace

pid_values shared_exclusion_pid::evaluate(const joint_view& pmf) {
    check_view(pmf, n_sources());
    group_cells(pmf);
    const std::size_t count = lattice_->size();
    pid_values result;
    result.target_entropy = entropy_bits(target_mass_);
    result.isx.resize(count);
    for (std::size_t alpha = 0; alpha < count; ++alpha) {
        union_masses(pmf, alpha);
        result.isx[alpha] = isx_minus_entropy(pmf) + result.target_entropy;
    }
    result.atoms.assign(count, 0.0);
    for (std::size_t alpha = 0; alpha < count; ++alpha)
        for (std::size_t beta = 0; beta < count; ++beta)
            result.atoms[alpha] += lattice_->moebius(alpha, beta) * result.isx[beta];
    result.h_res = result.target_entropy - result.isx[lattice_->full_index()];
    return result;
}

double shared_exclusion_pid::goal_and_gradient(const joint_view& pmf, const goal& g,
                                               std::span<double> gradient) {
    if (g.n_sources != n_sources())
        throw std::invalid_argument("goal for " + std::to_string(g.n_sources) +
                                    " sources used with a " + std::to_string(n_sources()) +
                                    "-source estimator");
    const std::vector<double> weights = g.isx_weights();
    return goal_and_gradient(pmf, weights, g.h_res_weight, gradient);
}

double shared_exclusion_pid::goal_and_gradient(const joint_view& pmf,
                                               std::span<const double> isx_weights,
                                               double h_res_weight, std::span<double> gradient) {
    check_view(pmf, n_sources());
    if (isx_weights.size() != lattice_->size())
        throw std::invalid_argument("goal gradient: expected " + std::to_string(lattice_->size()) +
                                    " redundancy weights, got " +
                                    std::to_string(isx_weights.size()));
    if (gradient.size() != pmf.mass.size())
        throw std::invalid_argument("goal gradient: gradient array does not match the pmf");
    group_cells(pmf);
    const std::size_t n_cells = pmf.n_cells();
    const auto n_targets = static_cast<std::size_t>(pmf.n_targets);

    // d/dp(t, c) of p(t) and H(T) are the same for every cell; log2 p(t) appears in every I_sx.
    std::vector<double> log_target(n_targets);
    for (std::size_t t = 0; t < n_targets; ++t)
        log_target[t] = target_mass_[t] > 0 ? std::log2(target_mass_[t]) : 0.0;
    const double target_entropy = entropy_bits(target_mass_);
    std::vector<double> entropy_slope(n_targets);
    double weight_sum = 0;
    for (double w : isx_weights) weight_sum += w;
    for (std::size_t t = 0; t < n_targets; ++t)
        // Each I_sx holds +H(T) - sum_t p(t) log2 p(t) terms; collect the -log2 p(t) - 1/ln2
        // slopes of all of them and of the h_res weight's H(T) here.
        entropy_slope[t] = (weight_sum + h_res_weight) * (-log_target[t] - inv_ln2);

    for (std::size_t c = 0; c < n_cells; ++c)
        for (std::size_t t = 0; t < n_targets; ++t) gradient[c * n_targets + t] = entropy_slope[t];
    double value = (weight_sum + h_res_weight) * target_entropy;

    ratio_.resize(n_cells * n_targets);
    total_ratio_.resize(n_cells);
    for (std::size_t alpha = 0; alpha < lattice_->size(); ++alpha) {
        const double weight = isx_weights[alpha];
        if (weight == 0) continue;
        union_masses(pmf, alpha);
        value += weight * isx_minus_entropy(pmf);

        // Direct term: log2 P(t, W(c)) - log2 P(W(c)), and the ratios whose marginals give the
        // terms through P(t, W(s)) and P(W(s)) of every other cell s sharing a projection.
        for (std::size_t c = 0; c < n_cells; ++c) {
            const double log_total = std::log2(union_total_[c]);
            for (std::size_t t = 0; t < n_targets; ++t) {
                const std::size_t i = c * n_targets + t;
                gradient[i] += weight * (std::log2(union_mass_[i]) - log_total);
                ratio_[i] = pmf.mass[i] > 0 ? pmf.mass[i] / union_mass_[i] : 0.0;
            }
            total_ratio_[c] = cell_total_[c] > 0 ? cell_total_[c] / union_total_[c] : 0.0;
        }
        for (const union_term& term : lattice_->union_terms(alpha)) {
            const auto& group = group_of_cell_[term.sources];
            const std::size_t n_groups = n_groups_[term.sources];
            ratio_marginal_.assign(n_groups * n_targets, 0.0);
            total_ratio_marginal_.assign(n_groups, 0.0);
            for (std::size_t c = 0; c < n_cells; ++c) {
                for (std::size_t t = 0; t < n_targets; ++t)
                    ratio_marginal_[group[c] * n_targets + t] += ratio_[c * n_targets + t];
                total_ratio_marginal_[group[c]] += total_ratio_[c];
            }
            const double scale = weight * term.coefficient * inv_ln2;
            for (std::size_t c = 0; c < n_cells; ++c)
                for (std::size_t t = 0; t < n_targets; ++t)
                    gradient[c * n_targets + t] +=
                        scale * (ratio_marginal_[group[c] * n_targets + t] -
                                 total_ratio_marginal_[group[c]]);
        }
    }
    return value;
}

}  // namespace infomorph::pid

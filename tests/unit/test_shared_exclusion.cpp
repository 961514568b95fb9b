// Shared-exclusion PID: the test vectors of docs/method.md, consistency with mutual informations,
// invariances, a brute-force implementation from the definition, and the analytic gradient
// against finite differences.

#include <infomorph/pid/goal.hpp>
#include <infomorph/pid/joint_distribution.hpp>
#include <infomorph/pid/lattice.hpp>
#include <infomorph/pid/shared_exclusion.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace infomorph::pid {
namespace {

// ---------------------------------------------------------------------------------------------
// A pmf on the dense grid: p[flat(s) * n_targets + t], flat(s) = s1 + a1 * (s2 + a2 * (...)).

struct dense_pmf {
    std::vector<int> sizes;  // alphabet size per source
    int n_targets = 2;
    std::vector<double> p;

    int n_sources() const { return static_cast<int>(sizes.size()); }
    std::size_t n_cells() const {
        std::size_t cells = 1;
        for (int a : sizes) cells *= static_cast<std::size_t>(a);
        return cells;
    }
    std::vector<std::uint32_t> decode(std::size_t flat) const {
        std::vector<std::uint32_t> s(sizes.size());
        for (std::size_t i = 0; i < sizes.size(); ++i) {
            s[i] = static_cast<std::uint32_t>(flat % static_cast<std::size_t>(sizes[i]));
            flat /= static_cast<std::size_t>(sizes[i]);
        }
        return s;
    }
    double& at(std::size_t cell, int t) {
        return p[cell * static_cast<std::size_t>(n_targets) + static_cast<std::size_t>(t)];
    }
    double at(std::size_t cell, int t) const {
        return p[cell * static_cast<std::size_t>(n_targets) + static_cast<std::size_t>(t)];
    }
};

// Uniform independent binary sources with a deterministic target t = f(s).
dense_pmf gate(int n_sources, int n_targets,
               const std::function<int(const std::vector<std::uint32_t>&)>& f) {
    dense_pmf pmf;
    pmf.sizes.assign(static_cast<std::size_t>(n_sources), 2);
    pmf.n_targets = n_targets;
    pmf.p.assign(pmf.n_cells() * static_cast<std::size_t>(n_targets), 0.0);
    const double mass = 1.0 / static_cast<double>(pmf.n_cells());
    for (std::size_t c = 0; c < pmf.n_cells(); ++c) pmf.at(c, f(pmf.decode(c))) = mass;
    return pmf;
}

// Every entry of the dense grid goes into the joint distribution, zero entries included unless
// skip_zero is set.
joint_distribution to_joint(const dense_pmf& pmf, bool skip_zero = false) {
    joint_distribution joint(pmf.n_sources(), pmf.n_targets);
    for (std::size_t c = 0; c < pmf.n_cells(); ++c) {
        const auto s = pmf.decode(c);
        for (int t = 0; t < pmf.n_targets; ++t)
            if (!skip_zero || pmf.at(c, t) > 0) joint.add(s, t, pmf.at(c, t));
    }
    return joint;
}

pid_values pid_of(const joint_distribution& joint) {
    shared_exclusion_pid estimator(joint.n_sources());
    return estimator.evaluate(joint.view());
}

pid_values pid_of(const dense_pmf& pmf) { return pid_of(to_joint(pmf)); }

double atom(const pid_values& values, int n_sources, const std::string& name) {
    const auto index = redundancy_lattice::of(n_sources).find(name);
    if (!index) throw std::invalid_argument("no atom " + name);
    return values.atoms[*index];
}

dense_pmf random_pmf(std::mt19937_64& rng, int n_sources, int min_size, int max_size,
                     int n_targets, double zero_fraction) {
    std::uniform_int_distribution<int> size(min_size, max_size);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    dense_pmf pmf;
    for (int i = 0; i < n_sources; ++i) pmf.sizes.push_back(size(rng));
    pmf.n_targets = n_targets;
    pmf.p.resize(pmf.n_cells() * static_cast<std::size_t>(n_targets));
    for (double& v : pmf.p) v = unit(rng) < zero_fraction ? 0.0 : 0.05 + unit(rng);
    if (std::all_of(pmf.p.begin(), pmf.p.end(), [](double v) { return v == 0; })) pmf.p[0] = 1.0;
    const double total = std::accumulate(pmf.p.begin(), pmf.p.end(), 0.0);
    for (double& v : pmf.p) v /= total;
    return pmf;
}

// ---------------------------------------------------------------------------------------------
// Brute force from the definition, on the dense grid.

std::vector<double> target_marginal(const dense_pmf& pmf) {
    std::vector<double> pt(static_cast<std::size_t>(pmf.n_targets), 0.0);
    for (std::size_t c = 0; c < pmf.n_cells(); ++c)
        for (int t = 0; t < pmf.n_targets; ++t) pt[static_cast<std::size_t>(t)] += pmf.at(c, t);
    return pt;
}

bool matches(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b,
             source_set set) {
    for (std::size_t i = 0; i < a.size(); ++i)
        if ((set & (1u << i)) && a[i] != b[i]) return false;
    return true;
}

// I_sx(alpha) by event sums: P(W) and P(t, W) summed over all outcomes where at least one set of
// alpha takes its observed value.
std::vector<double> brute_force_isx(const dense_pmf& pmf) {
    const auto& lattice = redundancy_lattice::of(pmf.n_sources());
    const std::size_t cells = pmf.n_cells();
    std::vector<std::vector<std::uint32_t>> values(cells);
    std::vector<double> cell_total(cells, 0.0);
    for (std::size_t c = 0; c < cells; ++c) {
        values[c] = pmf.decode(c);
        for (int t = 0; t < pmf.n_targets; ++t) cell_total[c] += pmf.at(c, t);
    }
    const auto pt = target_marginal(pmf);
    std::vector<double> isx(lattice.size(), 0.0);
    for (std::size_t alpha = 0; alpha < lattice.size(); ++alpha) {
        const auto& sets = lattice.antichain(alpha);
        double sum = 0;
        for (std::size_t c = 0; c < cells; ++c) {
            if (cell_total[c] <= 0) continue;
            std::vector<double> joint_w(static_cast<std::size_t>(pmf.n_targets), 0.0);
            double w = 0;
            for (std::size_t other = 0; other < cells; ++other) {
                const bool hit = std::any_of(sets.begin(), sets.end(), [&](source_set a) {
                    return matches(values[c], values[other], a);
                });
                if (!hit) continue;
                w += cell_total[other];
                for (int t = 0; t < pmf.n_targets; ++t)
                    joint_w[static_cast<std::size_t>(t)] += pmf.at(other, t);
            }
            for (int t = 0; t < pmf.n_targets; ++t) {
                const double p = pmf.at(c, t);
                if (p > 0)
                    sum += p * std::log2(joint_w[static_cast<std::size_t>(t)] /
                                         (pt[static_cast<std::size_t>(t)] * w));
            }
        }
        isx[alpha] = sum;
    }
    return isx;
}

// I(T : S_A) from its definition.
double mutual_information(const dense_pmf& pmf, source_set set) {
    const std::size_t cells = pmf.n_cells();
    const auto pt = target_marginal(pmf);
    double mi = 0;
    for (std::size_t c = 0; c < cells; ++c) {
        const auto s = pmf.decode(c);
        double ps = 0;
        std::vector<double> pts(static_cast<std::size_t>(pmf.n_targets), 0.0);
        for (std::size_t other = 0; other < cells; ++other) {
            if (!matches(s, pmf.decode(other), set)) continue;
            for (int t = 0; t < pmf.n_targets; ++t) {
                ps += pmf.at(other, t);
                pts[static_cast<std::size_t>(t)] += pmf.at(other, t);
            }
        }
        for (int t = 0; t < pmf.n_targets; ++t) {
            const double p = pmf.at(c, t);
            const double joint = pts[static_cast<std::size_t>(t)];
            // Each (t, s_A) group is visited once per member cell; weight by p(t, s) so the sum
            // over members adds up to p(t, s_A) log2(...).
            if (p > 0) mi += p * std::log2(joint / (pt[static_cast<std::size_t>(t)] * ps));
        }
    }
    return mi;
}

double entropy(const std::vector<double>& p) {
    double h = 0;
    for (double v : p)
        if (v > 0) h -= v * std::log2(v);
    return h;
}

constexpr double tol = 1e-4;

// ---------------------------------------------------------------------------------------------
// Textbook vectors.

struct bivariate_case {
    const char* name;
    int n_targets;
    std::function<int(const std::vector<std::uint32_t>&)> f;
    double unique1, unique2, synergy, redundancy;
};

TEST(SharedExclusionPid, TwoSourceTextbookVectors) {
    const std::vector<bivariate_case> cases = {
        {"XOR", 2, [](const auto& s) { return static_cast<int>(s[0] ^ s[1]); }, 0.5850, 0.5850,
         0.4150, -0.5850},
        {"AND", 2, [](const auto& s) { return static_cast<int>(s[0] & s[1]); }, 0.1887, 0.1887,
         0.3113, 0.1226},
        {"COPY", 4, [](const auto& s) { return static_cast<int>(2 * s[0] + s[1]); }, 0.5850,
         0.5850, 0.4150, 0.4150},
        {"T=S1", 2, [](const auto& s) { return static_cast<int>(s[0]); }, 0.5850, -0.4150, 0.4150,
         0.4150},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto values = pid_of(gate(2, c.n_targets, c.f));
        ASSERT_EQ(values.atoms.size(), 4u);
        EXPECT_NEAR(atom(values, 2, "{1}"), c.unique1, tol);
        EXPECT_NEAR(atom(values, 2, "{2}"), c.unique2, tol);
        EXPECT_NEAR(atom(values, 2, "{12}"), c.synergy, tol);
        EXPECT_NEAR(atom(values, 2, "{1}{2}"), c.redundancy, tol);
    }
}

TEST(SharedExclusionPid, IdenticalSourcesAndTargetAreAllRedundancy) {
    joint_distribution joint(2, 2);
    for (std::uint32_t v = 0; v < 2; ++v) {
        const std::array<std::uint32_t, 2> s{v, v};
        joint.add(s, static_cast<int>(v), 0.5);
    }
    const auto values = pid_of(joint);
    EXPECT_NEAR(atom(values, 2, "{1}"), 0.0, tol);
    EXPECT_NEAR(atom(values, 2, "{2}"), 0.0, tol);
    EXPECT_NEAR(atom(values, 2, "{12}"), 0.0, tol);
    EXPECT_NEAR(atom(values, 2, "{1}{2}"), 1.0, tol);
    EXPECT_NEAR(values.target_entropy, 1.0, 1e-12);
    EXPECT_NEAR(values.h_res, 0.0, 1e-12);
}

TEST(SharedExclusionPid, ThreeIdenticalSourcesPutOneBitOnTheBottom) {
    joint_distribution joint(3, 2);
    for (std::uint32_t v = 0; v < 2; ++v) {
        const std::array<std::uint32_t, 3> s{v, v, v};
        joint.add(s, static_cast<int>(v), 0.5);
    }
    const auto values = pid_of(joint);
    const auto& lattice = redundancy_lattice::of(3);
    ASSERT_EQ(values.atoms.size(), 18u);
    for (std::size_t i = 0; i < lattice.size(); ++i)
        EXPECT_NEAR(values.atoms[i], lattice.name(i) == "{1}{2}{3}" ? 1.0 : 0.0, tol)
            << lattice.name(i);
}

TEST(SharedExclusionPid, ThreeBitParity) {
    const auto values =
        pid_of(gate(3, 2, [](const auto& s) { return static_cast<int>(s[0] ^ s[1] ^ s[2]); }));
    const auto& lattice = redundancy_lattice::of(3);
    ASSERT_EQ(values.atoms.size(), 18u);
    EXPECT_NEAR(atom(values, 3, "{123}"), 0.2451, tol);
    EXPECT_NEAR(atom(values, 3, "{1}{2}{3}"), 0.1926, tol);
    EXPECT_NEAR(atom(values, 3, "{12}{13}{23}"), -0.2269, tol);
    EXPECT_NEAR(atom(values, 3, "{1}"), 0.3219, tol);
    EXPECT_NEAR(atom(values, 3, "{2}"), 0.3219, tol);
    EXPECT_NEAR(atom(values, 3, "{3}"), 0.3219, tol);
    for (std::size_t i = 0; i < lattice.size(); ++i)
        EXPECT_GT(std::abs(values.atoms[i]), 1e-3) << lattice.name(i);
    // Parity carries one bit about T only through all three sources together.
    double total = 0;
    for (double a : values.atoms) total += a;
    EXPECT_NEAR(total, 1.0, 1e-12);
}

// ---------------------------------------------------------------------------------------------
// Consistency.

TEST(SharedExclusionPid, TwoSourceAtomsSumToMutualInformations) {
    std::mt19937_64 rng(11);
    for (int trial = 0; trial < 10; ++trial) {
        const auto pmf = random_pmf(rng, 2, 2, 4, 2 + trial % 2, 0.2);
        const auto v = pid_of(pmf);
        const double u1 = v.atoms[0], u2 = v.atoms[1], red = v.atoms[2], syn = v.atoms[3];
        EXPECT_NEAR(u1 + red, mutual_information(pmf, 0b01), 1e-12);
        EXPECT_NEAR(u2 + red, mutual_information(pmf, 0b10), 1e-12);
        EXPECT_NEAR(u1 + u2 + red + syn, mutual_information(pmf, 0b11), 1e-12);
        EXPECT_NEAR(v.target_entropy, entropy(target_marginal(pmf)), 1e-12);
        EXPECT_NEAR(v.target_entropy, mutual_information(pmf, 0b11) + v.h_res, 1e-12);
    }
}

TEST(SharedExclusionPid, AtomsBelowEverySingleSetAntichainSumToItsMutualInformation) {
    std::mt19937_64 rng(12);
    for (int n = 2; n <= 4; ++n) {
        const auto& lattice = redundancy_lattice::of(n);
        for (int trial = 0; trial < 3; ++trial) {
            SCOPED_TRACE("n=" + std::to_string(n) + " trial " + std::to_string(trial));
            const auto pmf = random_pmf(rng, n, 2, n == 4 ? 3 : 4, 2 + trial % 2, 0.15);
            const auto v = pid_of(pmf);
            for (std::size_t alpha = 0; alpha < lattice.size(); ++alpha) {
                double below = 0;
                for (std::size_t beta = 0; beta < lattice.size(); ++beta)
                    if (lattice.precedes(beta, alpha)) below += v.atoms[beta];
                EXPECT_NEAR(below, v.isx[alpha], 1e-10) << lattice.name(alpha);
                if (lattice.antichain(alpha).size() == 1) {
                    EXPECT_NEAR(below, mutual_information(pmf, lattice.antichain(alpha)[0]), 1e-10)
                        << lattice.name(alpha);
                }
            }
            double total = 0;
            for (double a : v.atoms) total += a;
            const double full_mi = mutual_information(pmf, static_cast<source_set>((1u << n) - 1));
            EXPECT_NEAR(total, full_mi, 1e-10);
            EXPECT_NEAR(v.target_entropy, full_mi + v.h_res, 1e-10);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Invariances.

void expect_same(const pid_values& a, const pid_values& b, double tolerance = 1e-12) {
    ASSERT_EQ(a.atoms.size(), b.atoms.size());
    for (std::size_t i = 0; i < a.atoms.size(); ++i) {
        EXPECT_NEAR(a.isx[i], b.isx[i], tolerance) << i;
        EXPECT_NEAR(a.atoms[i], b.atoms[i], tolerance) << i;
    }
    EXPECT_NEAR(a.target_entropy, b.target_entropy, tolerance);
    EXPECT_NEAR(a.h_res, b.h_res, tolerance);
}

TEST(SharedExclusionPid, InvariantUnderRelabellingSourcesAndTargetsAndCellOrder) {
    std::mt19937_64 rng(13);
    for (int n = 2; n <= 4; ++n) {
        for (int trial = 0; trial < 3; ++trial) {
            SCOPED_TRACE("n=" + std::to_string(n));
            const auto pmf = random_pmf(rng, n, 2, 3, 3, 0.1);
            const auto reference = pid_of(pmf);

            // New labels: a random permutation per source, spread out to large values, and a
            // random permutation of the target values; the rows go in in shuffled order.
            std::vector<std::vector<std::uint32_t>> relabel(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) {
                auto& map = relabel[static_cast<std::size_t>(i)];
                map.resize(static_cast<std::size_t>(pmf.sizes[static_cast<std::size_t>(i)]));
                std::iota(map.begin(), map.end(), 0u);
                std::shuffle(map.begin(), map.end(), rng);
                for (auto& v : map) v = v * 1000003u + 17u;
            }
            std::vector<int> target_map(static_cast<std::size_t>(pmf.n_targets));
            std::iota(target_map.begin(), target_map.end(), 0);
            std::shuffle(target_map.begin(), target_map.end(), rng);
            std::vector<std::size_t> rows(pmf.p.size());
            std::iota(rows.begin(), rows.end(), std::size_t{0});
            std::shuffle(rows.begin(), rows.end(), rng);

            joint_distribution joint(n, pmf.n_targets);
            for (std::size_t row : rows) {
                const std::size_t cell = row / static_cast<std::size_t>(pmf.n_targets);
                const int t = static_cast<int>(row % static_cast<std::size_t>(pmf.n_targets));
                auto s = pmf.decode(cell);
                for (std::size_t i = 0; i < s.size(); ++i) s[i] = relabel[i][s[i]];
                joint.add(s, target_map[static_cast<std::size_t>(t)], pmf.at(cell, t));
            }
            expect_same(reference, pid_of(joint));
        }
    }
}

TEST(SharedExclusionPid, ZeroCellsChangeNothing) {
    std::mt19937_64 rng(14);
    for (int n = 2; n <= 4; ++n) {
        SCOPED_TRACE("n=" + std::to_string(n));
        auto pmf = random_pmf(rng, n, 2, 3, 3, 0.0);
        // Zero mass in some targets of some cells, and whole cells of zero mass.
        for (std::size_t c = 0; c < pmf.n_cells(); c += 3) pmf.at(c, static_cast<int>(c % 3)) = 0;
        for (std::size_t c = 1; c < pmf.n_cells(); c += 5)
            for (int t = 0; t < pmf.n_targets; ++t) pmf.at(c, t) = 0;
        const double total = std::accumulate(pmf.p.begin(), pmf.p.end(), 0.0);
        for (double& v : pmf.p) v /= total;

        const auto without = pid_of(to_joint(pmf, /*skip_zero=*/true));
        const auto with = pid_of(to_joint(pmf, /*skip_zero=*/false));
        expect_same(without, with);

        // Extra source values that never occur, and a target value that never occurs.
        joint_distribution extended(n, pmf.n_targets + 1);
        for (std::size_t c = 0; c < pmf.n_cells(); ++c)
            for (int t = 0; t < pmf.n_targets; ++t) extended.add(pmf.decode(c), t, pmf.at(c, t));
        std::vector<std::uint32_t> unseen(static_cast<std::size_t>(n), 99u);
        for (int t = 0; t <= pmf.n_targets; ++t) extended.add(unseen, t, 0.0);
        expect_same(without, pid_of(extended));

        // The gradient path gives the same goal value with and without the zero cells.
        const auto& lattice = redundancy_lattice::of(n);
        std::vector<double> gamma(lattice.size() + 1);
        for (double& g : gamma) g = std::uniform_real_distribution<double>(-1, 1)(rng);
        const goal g = goal::from_vector(n, gamma);
        shared_exclusion_pid estimator(n);
        const auto a = to_joint(pmf, true);
        const auto b = to_joint(pmf, false);
        std::vector<double> grad_a(a.view().mass.size()), grad_b(b.view().mass.size());
        EXPECT_NEAR(estimator.goal_and_gradient(a.view(), g, grad_a),
                    estimator.goal_and_gradient(b.view(), g, grad_b), 1e-12);
    }
}

// ---------------------------------------------------------------------------------------------
// Brute force.

TEST(SharedExclusionPid, AgreesWithBruteForceEventSums) {
    std::mt19937_64 rng(15);
    for (int n = 2; n <= 4; ++n) {
        const int trials = n == 4 ? 3 : 8;
        for (int trial = 0; trial < trials; ++trial) {
            const int n_targets = 2 + trial % 2;
            const auto pmf = random_pmf(rng, n, 2, 4, n_targets, 0.2);
            SCOPED_TRACE("n=" + std::to_string(n) + " trial " + std::to_string(trial));
            const auto fast = pid_of(pmf);
            const auto slow = brute_force_isx(pmf);
            ASSERT_EQ(fast.isx.size(), slow.size());
            for (std::size_t i = 0; i < slow.size(); ++i)
                EXPECT_NEAR(fast.isx[i], slow[i], 1e-10) << redundancy_lattice::of(n).name(i);
        }
    }
}

// Histograms as training builds them: a few hundred occupied cells out of a large grid, source
// codes with gaps, binary target; and codes too large for a dense index (hashing).
struct sparse_case {
    std::vector<cell_key> keys;
    std::vector<double> mass;
};

sparse_case random_sparse(std::mt19937_64& rng, int n_sources, std::size_t n_cells,
                          std::uint32_t alphabet, std::uint32_t code_spread, int n_targets) {
    std::uniform_int_distribution<std::uint32_t> code(0, alphabet - 1);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    sparse_case out;
    while (out.keys.size() < n_cells) {
        cell_key key = 0;
        for (int i = 0; i < n_sources; ++i)
            key |= static_cast<cell_key>(code(rng) * code_spread) << (16 * i);
        if (std::find(out.keys.begin(), out.keys.end(), key) != out.keys.end()) continue;
        out.keys.push_back(key);
        for (int t = 0; t < n_targets; ++t) out.mass.push_back(0.01 + unit(rng));
    }
    const double total = std::accumulate(out.mass.begin(), out.mass.end(), 0.0);
    for (double& m : out.mass) m /= total;
    return out;
}

std::vector<double> brute_force_isx(const sparse_case& pmf, int n_sources, int n_targets) {
    const auto& lattice = redundancy_lattice::of(n_sources);
    const std::size_t cells = pmf.keys.size();
    const auto T = static_cast<std::size_t>(n_targets);
    std::vector<double> pt(T, 0.0), total(cells, 0.0);
    for (std::size_t c = 0; c < cells; ++c)
        for (std::size_t t = 0; t < T; ++t) {
            pt[t] += pmf.mass[c * T + t];
            total[c] += pmf.mass[c * T + t];
        }
    auto agree = [](cell_key a, cell_key b, source_set set) {
        for (int i = 0; i < max_sources; ++i)
            if ((set & (1u << i)) && ((a >> (16 * i)) & 0xFFFF) != ((b >> (16 * i)) & 0xFFFF))
                return false;
        return true;
    };
    std::vector<double> isx(lattice.size(), 0.0);
    for (std::size_t alpha = 0; alpha < lattice.size(); ++alpha)
        for (std::size_t c = 0; c < cells; ++c) {
            double w = 0;
            std::vector<double> joint(T, 0.0);
            for (std::size_t o = 0; o < cells; ++o) {
                const auto& sets = lattice.antichain(alpha);
                if (std::none_of(sets.begin(), sets.end(),
                                 [&](source_set a) { return agree(pmf.keys[c], pmf.keys[o], a); }))
                    continue;
                w += total[o];
                for (std::size_t t = 0; t < T; ++t) joint[t] += pmf.mass[o * T + t];
            }
            for (std::size_t t = 0; t < T; ++t)
                isx[alpha] += pmf.mass[c * T + t] * std::log2(joint[t] / (pt[t] * w));
        }
    return isx;
}

TEST(SharedExclusionPid, TrainingSizedHistogramsAgreeWithBruteForce) {
    std::mt19937_64 rng(20);
    struct setting {
        int n_sources;
        std::size_t cells;
        std::uint32_t alphabet, spread;
        int n_targets;
    };
    // Dense indexing with gaps in the codes (spread 3), and hashing (codes up to 65535).
    for (const setting& s : {setting{2, 150, 20, 3, 2}, setting{3, 400, 20, 1, 2},
                             setting{3, 300, 12, 5000, 2}, setting{3, 200, 10, 3, 3},
                             setting{4, 300, 6, 1, 2}, setting{4, 250, 6, 10000, 2}}) {
        SCOPED_TRACE("n=" + std::to_string(s.n_sources) + " cells=" + std::to_string(s.cells) +
                     " spread=" + std::to_string(s.spread));
        const auto pmf = random_sparse(rng, s.n_sources, s.cells, s.alphabet, s.spread, s.n_targets);
        const joint_view view{s.n_sources, s.n_targets, pmf.keys, pmf.mass};
        shared_exclusion_pid estimator(s.n_sources);
        const auto fast = estimator.evaluate(view);
        const auto slow = brute_force_isx(pmf, s.n_sources, s.n_targets);
        for (std::size_t i = 0; i < slow.size(); ++i)
            EXPECT_NEAR(fast.isx[i], slow[i], 1e-10) << redundancy_lattice::of(s.n_sources).name(i);

        // The goal value of the gradient path matches the values, and a few gradient entries
        // match finite differences.
        const auto& lattice = redundancy_lattice::of(s.n_sources);
        std::vector<double> gamma(lattice.size() + 1);
        for (double& g : gamma) g = std::uniform_real_distribution<double>(-1, 1)(rng);
        const goal g = goal::from_vector(s.n_sources, gamma);
        std::vector<double> gradient(pmf.mass.size());
        const double value = estimator.goal_and_gradient(view, g, gradient);
        double expected = g.h_res_weight * fast.h_res;
        for (std::size_t i = 0; i < lattice.size(); ++i) expected += g.atom_weights[i] * fast.atoms[i];
        EXPECT_NEAR(value, expected, 1e-10);
        auto mass = pmf.mass;
        for (std::size_t entry : {std::size_t{0}, mass.size() / 3, mass.size() - 1}) {
            const double h = 1e-7, saved = mass[entry];
            double goal_at[2];
            for (int side = 0; side < 2; ++side) {
                mass[entry] = saved + (side == 0 ? h : -h);
                shared_exclusion_pid other(s.n_sources);
                std::vector<double> unused(mass.size());
                goal_at[side] = other.goal_and_gradient({s.n_sources, s.n_targets, pmf.keys, mass},
                                                        g, unused);
            }
            mass[entry] = saved;
            const double numeric = (goal_at[0] - goal_at[1]) / (2 * h);
            EXPECT_NEAR(gradient[entry], numeric, 1e-5 * std::max(1.0, std::abs(numeric)))
                << "entry " << entry;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Gradient.

struct flat_pmf {  // a joint_view's storage, to perturb entries directly
    int n_sources;
    int n_targets;
    std::vector<cell_key> keys;
    std::vector<double> mass;
    joint_view view() const { return {n_sources, n_targets, keys, mass}; }
};

flat_pmf flatten(const dense_pmf& pmf) {
    flat_pmf flat{pmf.n_sources(), pmf.n_targets, {}, pmf.p};
    for (std::size_t c = 0; c < pmf.n_cells(); ++c) flat.keys.push_back(pack_cell(pmf.decode(c)));
    return flat;
}

// G from evaluate, independently of goal_and_gradient.
double goal_value(const flat_pmf& pmf, const goal& g) {
    shared_exclusion_pid estimator(pmf.n_sources);
    const auto v = estimator.evaluate(pmf.view());
    double value = g.h_res_weight * v.h_res;
    for (std::size_t i = 0; i < v.atoms.size(); ++i) value += g.atom_weights[i] * v.atoms[i];
    return value;
}

TEST(SharedExclusionPid, GradientMatchesFiniteDifferences) {
    std::mt19937_64 rng(16);
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    for (int n = 2; n <= 4; ++n) {
        const auto& lattice = redundancy_lattice::of(n);
        for (int trial = 0; trial < 3; ++trial) {
            SCOPED_TRACE("n=" + std::to_string(n) + " trial " + std::to_string(trial));
            const int n_targets = 2 + trial % 2;
            auto flat = flatten(random_pmf(rng, n, 2, n == 4 ? 2 : 3, n_targets, 0.0));
            // Unnormalised on purpose: the gradient is with respect to every entry on its own.
            for (double& m : flat.mass) m *= 0.7;
            std::vector<double> gamma(lattice.size() + 1);
            for (double& g : gamma) g = uniform(rng);
            const goal g = goal::from_vector(n, gamma);

            shared_exclusion_pid estimator(n);
            std::vector<double> gradient(flat.mass.size());
            const double value = estimator.goal_and_gradient(flat.view(), g, gradient);
            EXPECT_NEAR(value, goal_value(flat, g), 1e-10);

            const double h = 1e-6;
            for (std::size_t i = 0; i < flat.mass.size(); ++i) {
                const double saved = flat.mass[i];
                flat.mass[i] = saved + h;
                const double up = goal_value(flat, g);
                flat.mass[i] = saved - h;
                const double down = goal_value(flat, g);
                flat.mass[i] = saved;
                const double numeric = (up - down) / (2 * h);
                EXPECT_NEAR(gradient[i], numeric, 1e-5 * std::max(1.0, std::abs(numeric)))
                    << "entry " << i;
            }
        }
    }
}

// With a binary target and p(+1, s) = c(s) theta_s, p(-1, s) = c(s) (1 - theta_s), the three-factor
// rule needs only delta(s) = dG/dp(+1, s) - dG/dp(-1, s): dG/dtheta_s = c(s) delta(s).
TEST(SharedExclusionPid, BinaryTargetDifferenceFormDrivesTheOutputProbability) {
    std::mt19937_64 rng(17);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int n = 2; n <= 3; ++n) {
        SCOPED_TRACE("n=" + std::to_string(n));
        const auto& lattice = redundancy_lattice::of(n);
        auto base = random_pmf(rng, n, 3, 4, 1, 0.0);  // c(s): the source marginal
        std::vector<double> theta(base.n_cells());
        for (double& v : theta) v = 0.05 + 0.9 * unit(rng);
        dense_pmf pmf;
        pmf.sizes = base.sizes;
        pmf.n_targets = 2;
        pmf.p.resize(base.n_cells() * 2);
        // Target index 0 stands for Y = +1, index 1 for Y = -1.
        auto fill = [&](dense_pmf& out) {
            for (std::size_t c = 0; c < base.n_cells(); ++c) {
                out.at(c, 0) = base.p[c] * theta[c];
                out.at(c, 1) = base.p[c] * (1 - theta[c]);
            }
        };
        fill(pmf);
        std::vector<double> gamma(lattice.size() + 1);
        for (double& g : gamma) g = 2 * unit(rng) - 1;
        const goal g = goal::from_vector(n, gamma);

        auto flat = flatten(pmf);
        shared_exclusion_pid estimator(n);
        std::vector<double> gradient(flat.mass.size());
        estimator.goal_and_gradient(flat.view(), g, gradient);

        const double h = 1e-6;
        for (std::size_t c = 0; c < base.n_cells(); ++c) {
            const double delta = gradient[2 * c] - gradient[2 * c + 1];
            const double saved = theta[c];
            theta[c] = saved + h;
            fill(pmf);
            const double up = goal_value(flatten(pmf), g);
            theta[c] = saved - h;
            fill(pmf);
            const double down = goal_value(flatten(pmf), g);
            theta[c] = saved;
            const double numeric = (up - down) / (2 * h);
            EXPECT_NEAR(base.p[c] * delta, numeric, 1e-5 * std::max(1.0, std::abs(numeric)))
                << "cell " << c;
        }
    }
}

TEST(SharedExclusionPid, ZeroWeightGoalHasZeroGradient) {
    std::mt19937_64 rng(18);
    auto flat = flatten(random_pmf(rng, 3, 2, 3, 2, 0.0));
    shared_exclusion_pid estimator(3);
    std::vector<double> gradient(flat.mass.size(), 42.0);
    const std::vector<double> weights(18, 0.0);
    EXPECT_EQ(estimator.goal_and_gradient(flat.view(), weights, 0.0, gradient), 0.0);
    for (double d : gradient) EXPECT_NEAR(d, 0.0, 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Goals.

TEST(Goal, FromVectorRejectsAWrongLengthNamingTheExpectedOne) {
    const std::vector<double> four{0, 0, 1, 0};
    try {
        (void)goal::from_vector(2, four);
        FAIL() << "accepted 4 values for 2 sources";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("5"), std::string::npos) << e.what();
    }
    const std::vector<double> five(5, 0.0);
    try {
        (void)goal::from_vector(3, five);
        FAIL() << "accepted 5 values for 3 sources";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("19"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW((void)goal::from_vector(2, five));
}

TEST(Goal, IsxWeightsReproduceTheGoalValue) {
    std::mt19937_64 rng(19);
    const auto pmf = random_pmf(rng, 3, 2, 3, 2, 0.1);
    const auto v = pid_of(pmf);
    const std::vector<double> gamma{0.3307, 0.9781, -0.9935, 0.4017, 0.2428, 0.6255, 0.4713,
                                    0.0212, 0.0605, -0.9470, -0.0199, -0.9677, -0.6924, 0.4270,
                                    0.9736, 0.7370, -0.1218, -0.2151, 0.0350};
    const goal g = goal::from_vector(3, gamma);
    double from_atoms = g.h_res_weight * v.h_res;
    for (std::size_t i = 0; i < 18; ++i) from_atoms += g.atom_weights[i] * v.atoms[i];
    const auto w = g.isx_weights();
    double from_isx = g.h_res_weight * v.target_entropy;
    for (std::size_t i = 0; i < 18; ++i) from_isx += w[i] * v.isx[i];
    EXPECT_NEAR(from_atoms, from_isx, 1e-12);
}

}  // namespace
}  // namespace infomorph::pid

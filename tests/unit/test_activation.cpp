// Activation functions of docs/method.md section 1: values against the formulas, partial derivatives
// against central finite differences, and "context changes the gain, never the sign".

#include <infomorph/model/activation.hpp>
#include <infomorph/model/network_config.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace infomorph {
namespace {

using kind = activation_config::kind;

double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The formulas of docs/method.md section 1 in double precision.
double reference_drive(const activation_config& a, double r, double c, double l) {
    switch (a.type) {
        case kind::two_class:
            return r * (a.k1 + (1 - a.k1) * 2 * sigmoid_d(a.k2 * r * c));
        case kind::three_class:
            return r * ((1 - a.a_context - a.a_lateral) + a.a_context * sigmoid_d(a.b_context * r * c) +
                        a.a_lateral * sigmoid_d(a.b_lateral * r * l));
        case kind::additive:
            return r + c + l;
    }
    return 0;
}

activation_config two_class(double k1, double k2) {
    activation_config a;
    a.type = kind::two_class;
    a.k1 = k1;
    a.k2 = k2;
    return a;
}

activation_config three_class(double a_c, double a_l, double b_c, double b_l) {
    activation_config a;
    a.type = kind::three_class;
    a.a_context = a_c;
    a.a_lateral = a_l;
    a.b_context = b_c;
    a.b_lateral = b_l;
    return a;
}

activation_config additive() {
    activation_config a;
    a.type = kind::additive;
    return a;
}

TEST(Activation, SigmoidValues) {
    EXPECT_FLOAT_EQ(sigmoid(0.0f), 0.5f);
    EXPECT_NEAR(sigmoid(2.0f), 0.8807970779778823, 1e-7);
    EXPECT_NEAR(sigmoid(-2.0f), 0.11920292202211755, 1e-7);
    EXPECT_EQ(sigmoid(-200.0f), 0.0f);  // exp overflows to inf: 1 / inf
    EXPECT_EQ(sigmoid(200.0f), 1.0f);
}

TEST(Activation, TwoClassHandValues) {
    const activation_config a = two_class(0.5, 2.0);
    // c = 0: sigmoid(0) = 1/2, so the gain is k1 + (1 - k1) = 1 and A = r.
    EXPECT_FLOAT_EQ(activate(a, 1.5f, 0.0f, 0.0f).drive, 1.5f);
    EXPECT_FLOAT_EQ(activate(a, -3.0f, 0.0f, 0.0f).drive, -3.0f);
    // r = 2, c = 0.5: A = 2 * (0.5 + 0.5 * 2 * sigmoid(2)); sigmoid(2) = 0.8807970779778823, so
    // the gain is 1.3807970779778823.
    EXPECT_NEAR(activate(a, 2.0f, 0.5f, 0.0f).drive, 2.7615941559557646, 1e-6);
    // r = 2, c = -0.5: gain = 0.5 + sigmoid(-2) = 0.6192029220221176.
    EXPECT_NEAR(activate(a, 2.0f, -0.5f, 0.0f).drive, 1.2384058440442351, 1e-6);
    // k1 = 1 (the reference readout): A = r whatever the context.
    EXPECT_FLOAT_EQ(activate(two_class(1.0, 2.0), 0.7f, 25.0f, 0.0f).drive, 0.7f);
    EXPECT_FLOAT_EQ(activate(two_class(1.0, 2.0), 0.7f, 25.0f, 0.0f).d_second, 0.0f);
    // A two-class neuron ignores a third input.
    EXPECT_EQ(activate(a, 2.0f, 0.5f, 0.0f).drive, activate(a, 2.0f, 0.5f, 9.0f).drive);
    EXPECT_EQ(activate(a, 2.0f, 0.5f, 9.0f).d_third, 0.0f);
}

TEST(Activation, ThreeClassHandValues) {
    const activation_config a = three_class(0.1, 0.1, 2.0, 2.0);
    // c = l = 0: gain = 0.8 + 0.1 / 2 + 0.1 / 2 = 0.9.
    EXPECT_NEAR(activate(a, 2.0f, 0.0f, 0.0f).drive, 1.8, 1e-6);
    // r = 1, c = 1, l = -1: gain = 0.8 + 0.1 * sigmoid(2) + 0.1 * sigmoid(-2) = 0.8 + 0.1 = 0.9.
    EXPECT_NEAR(activate(a, 1.0f, 1.0f, -1.0f).drive, 0.9, 1e-6);
    // r = 1, c = 1, l = 1: gain = 0.8 + 0.2 * 0.8807970779778823 = 0.9761594155955765.
    EXPECT_NEAR(activate(a, 1.0f, 1.0f, 1.0f).drive, 0.9761594155955765, 1e-6);
    // Unequal coefficients: aC = 0.3, aL = 0.2, bC = 1, bL = 4; r = -1, c = 2, l = 0.25:
    // gain = 0.5 + 0.3 * sigmoid(-2) + 0.2 * sigmoid(-1).
    const activation_config b = three_class(0.3, 0.2, 1.0, 4.0);
    EXPECT_NEAR(activate(b, -1.0f, 2.0f, 0.25f).drive,
                -(0.5 + 0.3 * 0.11920292202211755 + 0.2 * 0.2689414213699951), 1e-6);
}

TEST(Activation, AdditiveHandValues) {
    const activation_config a = additive();
    const activation_value v = activate(a, 1.5f, -4.0f, 0.25f);
    EXPECT_FLOAT_EQ(v.drive, -2.25f);
    EXPECT_EQ(v.d_first, 1.0f);
    EXPECT_EQ(v.d_second, 1.0f);
    EXPECT_EQ(v.d_third, 1.0f);
}

TEST(Activation, MatchesReferenceFormulaOnRandomInputs) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(-4.0f, 4.0f);
    const std::vector<activation_config> configs{two_class(0.5, 2.0), two_class(0.9, 2.0),
                                                 two_class(0.0, 3.0), three_class(0.1, 0.1, 2, 2),
                                                 three_class(0.4, 0.3, 0.5, 1.5), additive()};
    for (const auto& a : configs)
        for (int i = 0; i < 200; ++i) {
            const float r = u(rng), c = u(rng), l = u(rng);
            const double expected = reference_drive(a, r, c, l);
            EXPECT_NEAR(activate(a, r, c, l).drive, expected, 2e-6 * (1 + std::abs(expected)));
        }
}

// Partial derivatives against central differences, twice: of the float implementation (coarse
// step, loose tolerance) and of the double formula (fine step, tight tolerance).
TEST(Activation, PartialDerivativesMatchFiniteDifferences) {
    std::mt19937 rng(12);
    std::uniform_real_distribution<float> u(-2.5f, 2.5f);
    const std::vector<activation_config> configs{two_class(0.5, 2.0), two_class(0.9, 2.0),
                                                 two_class(0.2, 3.0), three_class(0.1, 0.1, 2, 2),
                                                 three_class(0.4, 0.3, 0.5, 1.5), additive()};
    for (const auto& a : configs) {
        const bool three = a.type != kind::two_class;
        for (int i = 0; i < 100; ++i) {
            const float x[3] = {u(rng), u(rng), u(rng)};
            const activation_value v = activate(a, x[0], x[1], x[2]);
            const float analytic[3] = {v.d_first, v.d_second, v.d_third};
            for (int d = 0; d < 3; ++d) {
                if (d == 2 && !three) {
                    EXPECT_EQ(v.d_third, 0.0f);
                    continue;
                }
                // float implementation, h = 2^-7
                const float h = 0x1.0p-7f;
                float plus[3] = {x[0], x[1], x[2]}, minus[3] = {x[0], x[1], x[2]};
                plus[d] += h;
                minus[d] -= h;
                const double fd_float = (static_cast<double>(activate(a, plus[0], plus[1], plus[2]).drive) -
                                         activate(a, minus[0], minus[1], minus[2]).drive) /
                                        (static_cast<double>(plus[d]) - minus[d]);
                EXPECT_NEAR(analytic[d], fd_float, 2e-3 * (1 + std::abs(fd_float)))
                    << "derivative " << d << " at " << x[0] << ", " << x[1] << ", " << x[2];
                // double formula, h = 1e-6
                const double hd = 1e-6;
                double pd[3] = {x[0], x[1], x[2]}, md[3] = {x[0], x[1], x[2]};
                pd[d] += hd;
                md[d] -= hd;
                const double fd_double =
                    (reference_drive(a, pd[0], pd[1], pd[2]) - reference_drive(a, md[0], md[1], md[2])) /
                    (2 * hd);
                EXPECT_NEAR(analytic[d], fd_double, 1e-5 * (1 + std::abs(fd_double)))
                    << "derivative " << d << " at " << x[0] << ", " << x[1] << ", " << x[2];
            }
        }
    }
}

// Context and lateral input change the gain, never the sign: sign(A) = sign(r), and the gain
// A / r stays within [k1, 2 - k1] (two classes) or [1 - aC - aL, 1] (three classes).
TEST(Activation, ContextChangesTheGainNeverTheSign) {
    std::mt19937 rng(13);
    std::uniform_real_distribution<float> exponent(-6.0f, 6.0f);
    std::bernoulli_distribution negative(0.5);
    auto draw = [&] {
        const float magnitude = std::pow(10.0f, exponent(rng));
        return negative(rng) ? -magnitude : magnitude;
    };
    struct bounded {
        activation_config config;
        double low, high;
    };
    const std::vector<bounded> configs{{two_class(0.5, 2.0), 0.5, 1.5},
                                       {two_class(0.9, 2.0), 0.9, 1.1},
                                       {two_class(1.0, 2.0), 1.0, 1.0},
                                       {two_class(0.05, 5.0), 0.05, 1.95},
                                       {three_class(0.1, 0.1, 2, 2), 0.8, 1.0},
                                       {three_class(0.45, 0.45, 3, 0.5), 0.1, 1.0}};
    for (const auto& [a, low, high] : configs)
        for (int i = 0; i < 2000; ++i) {
            const float r = draw(), c = draw(), l = draw();
            const float drive = activate(a, r, c, l).drive;
            ASSERT_TRUE(std::isfinite(drive));
            EXPECT_EQ(drive > 0, r > 0) << r << " " << c << " " << l;
            EXPECT_EQ(drive < 0, r < 0) << r << " " << c << " " << l;
            const double gain = static_cast<double>(drive) / r;
            EXPECT_GE(gain, low * (1 - 1e-6));
            EXPECT_LE(gain, high * (1 + 1e-6));
        }
    // r = 0 gives A = 0 whatever the context.
    EXPECT_EQ(activate(two_class(0.5, 2.0), 0.0f, 100.0f, 0.0f).drive, 0.0f);
    EXPECT_EQ(activate(three_class(0.1, 0.1, 2, 2), 0.0f, -100.0f, 100.0f).drive, 0.0f);
}

}  // namespace
}  // namespace infomorph

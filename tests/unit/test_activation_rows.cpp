#include <infomorph/model/activation.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace infomorph {
namespace {

// The vectorised row functions used in training agree with the scalar reference activate().
void expect_rows_match_scalar(const activation_config& config, bool with_third) {
    const std::size_t n = 37;  // not a multiple of any SIMD width
    std::vector<float> r(n), c(n), l(n);
    for (std::size_t b = 0; b < n; ++b) {
        r[b] = -6.0f + 0.33f * static_cast<float>(b);
        c[b] = std::sin(static_cast<float>(b)) * 3.0f;
        l[b] = std::cos(0.7f * static_cast<float>(b)) * 4.0f;
    }
    const float* third = with_third ? l.data() : nullptr;
    std::vector<float> drive(n), d1(n), d2(n), d3(n);
    activate_rows(config, r.data(), c.data(), third, n, drive.data());
    activation_slopes(config, r.data(), c.data(), third, n, d1.data(), d2.data(),
                      with_third ? d3.data() : nullptr);
    for (std::size_t b = 0; b < n; ++b) {
        const activation_value a = activate(config, r[b], c[b], with_third ? l[b] : 0.0f);
        const float tol = 1e-5f * (1.0f + std::abs(a.drive));
        EXPECT_NEAR(drive[b], a.drive, tol) << b;
        EXPECT_NEAR(d1[b], a.d_first, 1e-5f * (1.0f + std::abs(a.d_first))) << b;
        EXPECT_NEAR(d2[b], a.d_second, 1e-5f * (1.0f + std::abs(a.d_second))) << b;
        if (with_third) {
            EXPECT_NEAR(d3[b], a.d_third, 1e-5f * (1.0f + std::abs(a.d_third))) << b;
        }
    }
}

TEST(ActivationRows, TwoClassMatchesScalar) {
    activation_config config;
    config.type = activation_config::kind::two_class;
    config.k1 = 0.9;
    expect_rows_match_scalar(config, false);
}

TEST(ActivationRows, ThreeClassMatchesScalar) {
    activation_config config;
    config.type = activation_config::kind::three_class;
    expect_rows_match_scalar(config, true);
}

TEST(ActivationRows, AdditiveMatchesScalar) {
    activation_config config;
    config.type = activation_config::kind::additive;
    expect_rows_match_scalar(config, true);
}

TEST(ActivationRows, AbsentClassesCountAsZero) {
    activation_config config;
    config.type = activation_config::kind::three_class;
    const float r[2] = {1.5f, -2.0f};
    float with_null[2], with_zeros[2];
    const float zeros[2] = {0.0f, 0.0f};
    activate_rows(config, r, nullptr, nullptr, 2, with_null);
    activate_rows(config, r, zeros, zeros, 2, with_zeros);
    EXPECT_EQ(with_null[0], with_zeros[0]);
    EXPECT_EQ(with_null[1], with_zeros[1]);
}

}  // namespace
}  // namespace infomorph

namespace infomorph {
namespace {

// Results must not depend on where the caller's buffers lie (SIMD alignment): otherwise runs
// differ with the allocation pattern of threads and ranks.
TEST(ActivationRows, ResultsDoNotDependOnBufferAlignment) {
    activation_config config;
    config.type = activation_config::kind::three_class;
    const std::size_t n = 64;
    std::vector<float> storage(3 * (n + 8)), out(2 * (n + 8)), slopes(6 * (n + 8));
    std::vector<float> reference, reference_slope;
    for (std::size_t offset = 0; offset < 8; ++offset) {
        float* r = storage.data() + offset;
        float* c = r + n + 8;
        float* l = c + n + 8;
        for (std::size_t b = 0; b < n; ++b) {
            r[b] = 0.37f * static_cast<float>(b) - 9.0f;
            c[b] = std::sin(static_cast<float>(b));
            l[b] = std::cos(static_cast<float>(b));
        }
        float* drive = out.data() + offset;
        float* d1 = slopes.data() + offset;
        activate_rows(config, r, c, l, n, drive);
        activation_slopes(config, r, c, l, n, d1, d1 + n + 8, d1 + 2 * (n + 8));
        const std::vector<float> got(drive, drive + n), got_slope(d1, d1 + n);
        if (offset == 0) {
            reference = got;
            reference_slope = got_slope;
        } else {
            EXPECT_EQ(got, reference) << "offset " << offset;
            EXPECT_EQ(got_slope, reference_slope) << "offset " << offset;
        }
    }
}

}  // namespace
}  // namespace infomorph

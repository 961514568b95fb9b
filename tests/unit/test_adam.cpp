// Adam with PyTorch-style L2 weight decay, maximising the goal: the textbook update with bias
// correction, the decay term, and the direction of the step.

#include <infomorph/model/adam.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace infomorph {
namespace {

// Textbook Adam (Kingma & Ba, Algorithm 1) minimising the loss -G + decay/2 |w|^2, i.e. the loss
// gradient is -dG/dw + decay * w, in double precision.
struct reference_adam {
    std::vector<double> m, v;
    explicit reference_adam(std::size_t n) : m(n, 0.0), v(n, 0.0) {}
    void step(const adam_settings& s, std::uint64_t t, std::vector<double>& w,
              const std::vector<double>& goal_gradient) {
        for (std::size_t i = 0; i < w.size(); ++i) {
            const double g = -goal_gradient[i] + s.weight_decay * w[i];
            m[i] = s.beta1 * m[i] + (1 - s.beta1) * g;
            v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g;
            const double m_hat = m[i] / (1 - std::pow(s.beta1, static_cast<double>(t)));
            const double v_hat = v[i] / (1 - std::pow(s.beta2, static_cast<double>(t)));
            w[i] -= s.learning_rate * m_hat / (std::sqrt(v_hat) + s.epsilon);
        }
    }
};

TEST(Adam, FirstStepIsLearningRateTimesSignOfGradient) {
    // At t = 1 the bias-corrected moments are g and g^2, so the step is lr * g / (|g| + eps).
    adam_settings s;
    s.learning_rate = 0.01;
    adam opt(4);
    std::vector<float> w{0.5f, -0.25f, 1.0f, 0.0f};
    const std::vector<float> g{2.0f, -3.0f, 1e-3f, 0.0f};
    opt.step(s, 1, w, g);
    EXPECT_NEAR(w[0], 0.51, 1e-6);   // uphill: dG/dw > 0 increases w
    EXPECT_NEAR(w[1], -0.26, 1e-6);  // dG/dw < 0 decreases w
    EXPECT_NEAR(w[2], 1.0 + 0.01 * 1e-3 / (1e-3 + 1e-8), 1e-6);
    EXPECT_EQ(w[3], 0.0f);  // zero gradient, zero decay: no move
    // The moments are stored un-corrected: m = (1 - beta1) g_loss, v = (1 - beta2) g_loss^2.
    EXPECT_NEAR(opt.first_moment()[0], 0.1 * -2.0, 1e-7);
    EXPECT_NEAR(opt.second_moment()[0], 0.001 * 4.0, 1e-7);  // 1 - 0.999f is 0.000999987
    EXPECT_NEAR(opt.first_moment()[1], 0.1 * 3.0, 1e-7);
}

TEST(Adam, BiasCorrectionUsesTheStepCount) {
    // A fresh state stepped with t = 5: m_hat = (1 - b1) g / (1 - b1^5), v_hat likewise.
    adam_settings s;
    s.learning_rate = 0.1;
    s.beta1 = 0.8;
    s.beta2 = 0.9;
    adam opt(1);
    std::vector<float> w{0.0f};
    const std::vector<float> g{-0.5f};  // loss gradient +0.5
    opt.step(s, 5, w, g);
    const double m_hat = 0.2 * 0.5 / (1 - std::pow(0.8, 5));
    const double v_hat = 0.1 * 0.25 / (1 - std::pow(0.9, 5));
    EXPECT_NEAR(w[0], -0.1 * m_hat / (std::sqrt(v_hat) + 1e-8), 1e-7);
    // Without the correction the step would be lr * m / sqrt(v) = 0.0632..., not 0.0602...
    EXPECT_GT(std::abs(w[0] + 0.1 * 0.1 / std::sqrt(0.025)), 1e-3);
}

TEST(Adam, ManyStepsMatchTheTextbookAlgorithm) {
    std::mt19937 rng(31);
    std::normal_distribution<double> normal(0.0, 1.0);
    const std::size_t n = 16;
    adam_settings s;
    s.learning_rate = 0.003;
    s.weight_decay = 1.5e-2;
    s.beta1 = 0.85;
    s.beta2 = 0.99;
    s.epsilon = 1e-6;
    std::vector<float> w(n);
    std::vector<double> w_ref(n);
    for (std::size_t i = 0; i < n; ++i) w_ref[i] = w[i] = static_cast<float>(normal(rng));
    adam opt(n);
    reference_adam ref(n);
    for (std::uint64_t t = 1; t <= 25; ++t) {
        std::vector<float> g(n);
        std::vector<double> g_ref(n);
        for (std::size_t i = 0; i < n; ++i) g_ref[i] = g[i] = static_cast<float>(normal(rng));
        opt.step(s, t, w, g);
        ref.step(s, t, w_ref, g_ref);
        for (std::size_t i = 0; i < n; ++i) ASSERT_NEAR(w[i], w_ref[i], 1e-5) << "step " << t;
    }
}

TEST(Adam, WeightDecayIsAddedToTheGradient) {
    // With a zero goal gradient the loss gradient is decay * w: weights shrink towards 0 by lr.
    adam_settings s;
    s.learning_rate = 0.01;
    s.weight_decay = 0.1;
    adam opt(2);
    std::vector<float> w{2.0f, -3.0f};
    opt.step(s, 1, w, std::vector<float>{0.0f, 0.0f});
    EXPECT_NEAR(w[0], 1.99, 1e-6);
    EXPECT_NEAR(w[1], -2.99, 1e-6);

    // L2 added to the gradient (torch.optim.Adam), not decoupled (AdamW): a goal gradient that
    // exactly cancels decay * w gives no step at all, whereas AdamW would still shrink w.
    adam opt2(1);
    std::vector<float> w2{4.0f};
    opt2.step(s, 1, w2, std::vector<float>{0.4f});
    EXPECT_EQ(w2[0], 4.0f);
    // And the first moment holds the combined gradient.
    adam opt3(1);
    std::vector<float> w3{4.0f};
    opt3.step(s, 1, w3, std::vector<float>{1.0f});
    EXPECT_NEAR(opt3.first_moment()[0], 0.1 * (-1.0 + 0.1 * 4.0), 1e-7);
}

TEST(Adam, MovesUphillOnTheGoal) {
    // Maximise G(w) = -(w - 3)^2 from w = 0 with dG/dw = -2 (w - 3): w approaches 3.
    adam_settings s;
    s.learning_rate = 0.05;
    adam opt(1);
    std::vector<float> w{0.0f};
    double previous_goal = -9.0;
    for (std::uint64_t t = 1; t <= 300; ++t) {
        const std::vector<float> g{-2.0f * (w[0] - 3.0f)};
        opt.step(s, t, w, g);
        if (t <= 20) {
            const double goal = -(w[0] - 3.0) * (w[0] - 3.0);
            EXPECT_GT(goal, previous_goal) << "step " << t;
            previous_goal = goal;
        }
    }
    EXPECT_NEAR(w[0], 3.0, 0.2);
}

TEST(Adam, RejectsMismatchedSizes) {
    adam opt(3);
    std::vector<float> w(3), g(2);
    EXPECT_THROW(opt.step(adam_settings{}, 1, w, g), std::invalid_argument);
    std::vector<float> w4(4), g4(4);
    EXPECT_THROW(opt.step(adam_settings{}, 1, w4, g4), std::invalid_argument);
}

}  // namespace
}  // namespace infomorph

// infomorph's goal and its gradient dG/dtheta for given neuron-batches, for comparison with
// another implementation (bench/pytorch_gradient_check.py compares them with PyTorch autograd).
//
// usage: goal_slopes CASE OUT GAMMA...
//   CASE: int32 n_neurons, int32 batch, then float32 r[n][batch], c[n][batch], theta[n][batch]
//         (two sources, adaptive binning with 20 bins, as the bivariate layers use)
//   OUT:  float32 dG/dtheta [n][batch]; the goal of each neuron is printed, one per line.
#include <infomorph/estimate/local_goal.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<float> read_floats(std::ifstream& in, std::size_t n, const char* what) {
    std::vector<float> values(n);
    in.read(reinterpret_cast<char*>(values.data()), static_cast<std::streamsize>(4 * n));
    if (!in) throw std::runtime_error(std::string("case file ends before its ") + what);
    return values;
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 4) throw std::invalid_argument("usage: goal_slopes CASE OUT GAMMA...");
    std::ifstream in(argv[1], std::ios::binary);
    if (!in) throw std::runtime_error(std::string("cannot open ") + argv[1]);
    std::int32_t header[2] = {0, 0};
    in.read(reinterpret_cast<char*>(header), sizeof header);
    if (!in || header[0] <= 0 || header[1] <= 0)
        throw std::runtime_error(std::string(argv[1]) + ": no valid neuron and batch counts");
    const auto n = static_cast<std::size_t>(header[0]);
    const auto batch = static_cast<std::size_t>(header[1]);
    const auto r = read_floats(in, n * batch, "receptive drives");
    const auto c = read_floats(in, n * batch, "contextual drives");
    const auto theta = read_floats(in, n * batch, "thetas");

    std::vector<double> gamma;
    for (int i = 3; i < argc; ++i) gamma.push_back(std::stod(argv[i]));
    infomorph::local_goal goal(2, gamma);  // throws if gamma does not fit two sources
    const std::vector<infomorph::binning_config> binnings(2);  // adaptive, 20 bins
    std::vector<float> slope(n * batch);
    for (std::size_t j = 0; j < n; ++j) {
        const std::size_t row = j * batch;
        const std::span<const float> sources[2] = {{r.data() + row, batch}, {c.data() + row, batch}};
        const double g = goal.gradient(sources, binnings, {theta.data() + row, batch},
                                       {slope.data() + row, batch});
        std::printf("%.9g\n", g);
    }
    std::ofstream out(argv[2], std::ios::binary);
    out.write(reinterpret_cast<const char*>(slope.data()),
              static_cast<std::streamsize>(4 * slope.size()));
    if (!out.flush()) throw std::runtime_error(std::string("cannot write ") + argv[2]);
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "goal_slopes: %s\n", e.what());
    return 1;
}

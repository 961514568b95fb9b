// Uses the installed library through its public headers: the PID of the XOR and copy gates and
// a configuration parsed and written back. Prints the figures for tests/package/run.sh to check.

#include <infomorph/io/config.hpp>
#include <infomorph/pid/joint_distribution.hpp>
#include <infomorph/pid/shared_exclusion.hpp>
#include <infomorph/util/version.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace {

// T = f(S1, S2) over the four equally likely inputs.
infomorph::pid::pid_values gate(int (*f)(int, int)) {
    infomorph::pid::joint_distribution pmf(2, 2);
    for (std::uint32_t a = 0; a < 2; ++a)
        for (std::uint32_t b = 0; b < 2; ++b) {
            const std::vector<std::uint32_t> sources{a, b};
            pmf.add(sources, f(static_cast<int>(a), static_cast<int>(b)), 0.25);
        }
    infomorph::pid::shared_exclusion_pid pid(2);
    return pid.evaluate(pmf.view());
}

}  // namespace

int main() {
    std::printf("headers %s library %s\n", INFOMORPH_VERSION, infomorph::library_version());
    // Atoms in lattice order {1}{2}, {1}, {2}, {12} (docs/method.md section 2).
    const auto xor_gate = gate([](int a, int b) { return a ^ b; });
    const auto copy_gate = gate([](int a, int) { return a; });
    std::printf("xor atoms");
    for (double atom : xor_gate.atoms) std::printf(" %.6f", atom);
    std::printf("\ncopy atoms");
    for (double atom : copy_gate.atoms) std::printf(" %.6f", atom);
    std::printf("\n");
    const std::string text = R"(
[[layers]]
name = "readout"
neurons = 10
goal = [-0.2, 0.1, 1.0, 0.1, 0.0]
receptive = { source = "image" }
contextual = { source = "label", identity = true, bias = false }
)";
    const infomorph::network_config config = infomorph::io::parse_config(text, "consumer.toml");
    std::printf("config layers %zu neurons %d\n", config.layers.size(), config.layers[0].neurons);
    return 0;
}

// libFuzzer target: the configuration parser. The input is TOML text, optionally followed by a
// NUL byte and --set overrides, one per line. Allowed outcome for bad input: io::config_error.
// Checked on success: the effective configuration written back (to_toml) parses to the same
// text again, so that config.toml and checkpoints always reproduce the run.

#include <infomorph/io/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace infomorph::io;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const std::size_t split = input.find('\0');
    const std::string_view text = input.substr(0, split);
    std::vector<std::string> overrides;
    if (split != std::string_view::npos) {
        std::istringstream lines{std::string(input.substr(split + 1))};
        for (std::string line; std::getline(lines, line);) overrides.push_back(line);
    }
    std::string written;
    try {
        written = to_toml(parse_config(text, "fuzz.toml", overrides));
    } catch (const config_error&) {
        return 0;
    }
    std::string again;
    try {
        again = to_toml(parse_config(written, "written.toml"));
    } catch (const config_error&) {
        std::abort();  // what infomorph wrote must parse
    }
    if (again != written) std::abort();
    return 0;
}
